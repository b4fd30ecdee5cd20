import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts'
import { startEmulator, type TestEmulator } from '../support/emulator.js'

let emu: TestEmulator
beforeAll(async () => { emu = await startEmulator() })
afterAll(async () => {
  await emu.close()
  expect(emu.violations).toEqual([])
})

describe('GetCallerIdentity', () => {
  it('answers the root user for test/test', async () => {
    const out = await emu.clients().sts.send(new GetCallerIdentityCommand({}))
    expect(out).toMatchObject({ Account: '000000000000', Arn: 'arn:aws:iam::000000000000:root', UserId: '000000000000' })
  })
})
