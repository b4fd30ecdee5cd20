import { describe, expect, it } from 'vitest'
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts'
import { useEmulator } from '../support/emulator.js'

const t = useEmulator()

describe('GetCallerIdentity', () => {
  it('answers the root user for test/test', async () => {
    const out = await t.sts.send(new GetCallerIdentityCommand({}))
    expect(out).toMatchObject({ Account: '000000000000', Arn: 'arn:aws:iam::000000000000:root', UserId: '000000000000' })
  })
})
