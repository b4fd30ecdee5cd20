import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CreateClusterCommand, ListClustersCommand, ListTaskDefinitionFamiliesCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs'
import { CreateRoleCommand, ListRolesCommand, ListUsersCommand, CreateUserCommand } from '@aws-sdk/client-iam'
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts'
import { startEmulator, type TestEmulator } from '../support/emulator.js'

let emu: TestEmulator
beforeAll(async () => { emu = await startEmulator() })
afterAll(async () => {
  await emu.close()
  expect(emu.violations).toEqual([])
})

const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' }] })

/** What a fresh server shows; reset must bring the server back to exactly this. */
async function snapshot () {
  const { ecs, iam } = emu.clients()
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
    const { ecs, iam } = emu.clients()
    await ecs.send(new CreateClusterCommand({ clusterName: 'scratch' }))
    await ecs.send(new RegisterTaskDefinitionCommand({ family: 'scratch', containerDefinitions: [{ name: 'a', image: 'busybox', memory: 64 }] }))
    await iam.send(new CreateRoleCommand({ RoleName: 'ecsTaskExecutionRole', AssumeRolePolicyDocument: trust }))
    await iam.send(new CreateUserCommand({ UserName: 'someone' }))
    expect(await snapshot()).not.toEqual(fresh)

    const res = await fetch(`${emu.url}/_emulator/reset`, { method: 'POST' })
    expect(res.status).toBe(200)
    expect(await snapshot()).toEqual(fresh)
    const decisions = await (await fetch(`${emu.url}/_emulator/decisions?action=ecs:CreateCluster`)).json() as { decisions: unknown[] }
    expect(decisions.decisions).toEqual([])
  })

  it('lets the names a user creates be created again after a reset', async () => {
    const { iam } = emu.clients()
    await iam.send(new CreateRoleCommand({ RoleName: 'ecsTaskExecutionRole', AssumeRolePolicyDocument: trust }))
    await fetch(`${emu.url}/_emulator/reset`, { method: 'POST' })
    await iam.send(new CreateRoleCommand({ RoleName: 'ecsTaskExecutionRole', AssumeRolePolicyDocument: trust }))
    expect((await emu.clients().sts.send(new GetCallerIdentityCommand({}))).Account).toBe('000000000000')
  })
})
