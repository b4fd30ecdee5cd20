import { beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { useEmulator } from '../support/emulator.js'
import { CLIS, cliTitle, aws } from '../support/cli.js'
import { trustService } from '../support/fixtures.js'
import { ECS_TASK_EXECUTION } from './fixtures.js'

const t = useEmulator()
let trustFile: string
beforeAll(() => {
  trustFile = join(mkdtempSync(join(tmpdir(), 'iam-cli-')), 'trust.json')
  writeFileSync(trustFile, trustService('ecs-tasks.amazonaws.com'))
})

describe.skipIf(CLIS.length === 0)(cliTitle('aws iam (CLI)'), () => {
  for (const cli of CLIS) {
    const role = `cliRole${cli.version}`
    const run = async (args: string[]) => aws(cli, t.emu.url, ['iam', ...args])

    it(`create-role and get-role decode the trust policy with CLI v${cli.version}`, async () => {
      const created = await run(['create-role', '--role-name', role, '--assume-role-policy-document', `file://${trustFile}`])
      expect(created.stderr).toBe('')
      expect(created.json.Role).toMatchObject({ RoleName: role, Arn: `arn:aws:iam::000000000000:role/${role}` })

      const got = await run(['get-role', '--role-name', role])
      expect(got.json.Role.AssumeRolePolicyDocument).toEqual(JSON.parse(trustService('ecs-tasks.amazonaws.com')))
    })

    it(`attach-role-policy and list-attached-role-policies with CLI v${cli.version}`, async () => {
      const attached = await run(['attach-role-policy', '--role-name', role, '--policy-arn', ECS_TASK_EXECUTION])
      expect(attached.status).toBe(0)
      const listed = await run(['list-attached-role-policies', '--role-name', role])
      expect(listed.json.AttachedPolicies).toEqual([{ PolicyName: 'AmazonECSTaskExecutionRolePolicy', PolicyArn: ECS_TASK_EXECUTION }])
    })

    it(`create-instance-profile and add-role-to-instance-profile with CLI v${cli.version}`, async () => {
      const profile = `cliProfile${cli.version}`
      const created = await run(['create-instance-profile', '--instance-profile-name', profile])
      expect(created.json.InstanceProfile).toMatchObject({ InstanceProfileName: profile, Roles: [] })
      expect((await run(['add-role-to-instance-profile', '--instance-profile-name', profile, '--role-name', role])).status).toBe(0)
      const got = await run(['get-instance-profile', '--instance-profile-name', profile])
      expect(got.json.InstanceProfile.Roles.map((r: { RoleName: string }) => r.RoleName)).toEqual([role])
    })

    it(`attach-role-policy reports NoSuchEntity for an ARN without its path with CLI v${cli.version}`, async () => {
      const arn = 'arn:aws:iam::aws:policy/AmazonECSTaskExecutionRolePolicy'
      const r = await run(['attach-role-policy', '--role-name', role, '--policy-arn', arn])
      expect(r.status).not.toBe(0)
      expect(r.stderr).toContain(`An error occurred (NoSuchEntity) when calling the AttachRolePolicy operation: Policy ${arn} does not exist or is not attachable.`)
    })

    it(`create-role reports ValidationError for a bad role name with CLI v${cli.version}`, async () => {
      const r = await run(['create-role', '--role-name', 'bad name', '--assume-role-policy-document', `file://${trustFile}`])
      expect(r.status).not.toBe(0)
      expect(r.stderr).toContain("An error occurred (ValidationError) when calling the CreateRole operation: 1 validation error detected: Value 'bad name' at 'roleName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+")
    })
  }
})

