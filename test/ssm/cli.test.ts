import { describe, expect, it } from 'vitest'
import { useEmulator } from '../support/emulator.js'
import { CLIS, aws, cliTitle } from '../support/cli.js'

const t = useEmulator()

describe(cliTitle('AWS CLI: secrets and parameters'), () => {
  for (const cli of CLIS) {
    it(`creates and reads a secret (CLI v${cli.version})`, async () => {
      const name = `cli/secret-v${cli.version}`
      const created = await aws(cli, t.emu.url, ['secretsmanager', 'create-secret', '--name', name, '--secret-string', 'pw'])
      expect(created.status, created.stderr).toBe(0)
      expect(created.json.ARN).toMatch(/:secret:cli\/secret-v\d-[A-Za-z0-9]{6}$/)
      const got = await aws(cli, t.emu.url, ['secretsmanager', 'get-secret-value', '--secret-id', name])
      expect(got.status, got.stderr).toBe(0)
      expect(got.json).toMatchObject({ Name: name, SecretString: 'pw', VersionStages: ['AWSCURRENT'] })
    })

    it(`puts and reads parameters (CLI v${cli.version})`, async () => {
      const name = `/cli/v${cli.version}/param`
      const put = await aws(cli, t.emu.url, ['ssm', 'put-parameter', '--name', name, '--value', 'v', '--type', 'String'])
      expect(put.status, put.stderr).toBe(0)
      expect(put.json).toEqual({ Version: 1, Tier: 'Standard' })
      const got = await aws(cli, t.emu.url, ['ssm', 'get-parameters', '--names', name, '/cli/missing'])
      expect(got.status, got.stderr).toBe(0)
      expect(got.json.Parameters.map((p: { Value: string }) => p.Value)).toEqual(['v'])
      expect(got.json.InvalidParameters).toEqual(['/cli/missing'])
    })
  }
})
