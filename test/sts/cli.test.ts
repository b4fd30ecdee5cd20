import { describe, expect, it } from 'vitest'
import { useEmulator } from '../support/emulator.js'
import { CLIS, aws, cliTitle } from '../support/cli.js'

const t = useEmulator()

describe.skipIf(CLIS.length === 0)(cliTitle('aws sts (CLI)'), () => {
  for (const cli of CLIS) {
    it(`get-caller-identity answers root with CLI v${cli.version}`, async () => {
      const r = await aws(cli, t.emu.url, ['sts', 'get-caller-identity'])
      expect(r.stderr).toBe('')
      expect(r.json).toEqual({ UserId: '000000000000', Account: '000000000000', Arn: 'arn:aws:iam::000000000000:root' })
    })

    it(`assume-role refuses the root user with CLI v${cli.version}`, async () => {
      const r = await aws(cli, t.emu.url, ['sts', 'assume-role', '--role-arn', 'arn:aws:iam::000000000000:role/x', '--role-session-name', 'session'])
      expect(r.status).not.toBe(0)
      expect(r.stderr).toContain('An error occurred (AccessDenied) when calling the AssumeRole operation: Roles may not be assumed by root accounts.')
    })

    it(`assume-role answers ValidationError for a bad session name with CLI v${cli.version}`, async () => {
      const r = await aws(cli, t.emu.url, ['sts', 'assume-role', '--role-arn', 'arn:aws:iam::000000000000:role/deployer', '--role-session-name', 'bad name'])
      expect(r.stderr).toContain("An error occurred (ValidationError) when calling the AssumeRole operation: 1 validation error detected: Value 'bad name' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*")
    })
  }
})
