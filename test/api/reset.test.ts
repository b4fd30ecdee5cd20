import { describe, expect, it } from 'vitest'
import { CreateClusterCommand, ListClustersCommand, ListTaskDefinitionFamiliesCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs'
import { CreateRoleCommand, ListRolesCommand, ListUsersCommand, CreateUserCommand } from '@aws-sdk/client-iam'
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts'
import { useEmulator } from '../support/emulator.js'
import { trustService } from '../support/fixtures.js'

const t = useEmulator()

const trust = trustService('ecs-tasks.amazonaws.com')

/** What a fresh server shows; reset must bring the server back to exactly this. */
async function snapshot () {
  const { ecs, iam } = t
  return {
    clusters: (await ecs.send(new ListClustersCommand({}))).clusterArns,
    families: (await ecs.send(new ListTaskDefinitionFamiliesCommand({}))).families,
    roles: (await iam.send(new ListRolesCommand({}))).Roles?.map(r => r.RoleName),
    users: (await iam.send(new ListUsersCommand({}))).Users?.map(u => u.UserName)
  }
}

describe('POST /_emulator/reset', () => {
  it('brings the server back to the state it started in', async () => {
    const fresh = await snapshot()
    expect(fresh.roles).not.toContain('ecsTaskExecutionRole')
    const { ecs, iam } = t
    await ecs.send(new CreateClusterCommand({ clusterName: 'scratch' }))
    await ecs.send(new RegisterTaskDefinitionCommand({ family: 'scratch', containerDefinitions: [{ name: 'a', image: 'busybox', memory: 64 }] }))
    await iam.send(new CreateRoleCommand({ RoleName: 'ecsTaskExecutionRole', AssumeRolePolicyDocument: trust }))
    await iam.send(new CreateUserCommand({ UserName: 'someone' }))
    expect(await snapshot()).not.toEqual(fresh)

    const res = await fetch(`${t.emu.url}/_emulator/reset`, { method: 'POST' })
    expect(res.status).toBe(200)
    expect(await snapshot()).toEqual(fresh)
    const decisions = await (await fetch(`${t.emu.url}/_emulator/decisions?action=ecs:CreateCluster`)).json() as { decisions: unknown[] }
    expect(decisions.decisions).toEqual([])
  })

  it('lets the names a user creates be created again after a reset', async () => {
    const { iam } = t
    await iam.send(new CreateRoleCommand({ RoleName: 'ecsTaskExecutionRole', AssumeRolePolicyDocument: trust }))
    await fetch(`${t.emu.url}/_emulator/reset`, { method: 'POST' })
    await iam.send(new CreateRoleCommand({ RoleName: 'ecsTaskExecutionRole', AssumeRolePolicyDocument: trust }))
    expect((await t.sts.send(new GetCallerIdentityCommand({}))).Account).toBe('000000000000')
  })
})
