import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CreateClusterCommand, DescribeClustersCommand, DescribeTaskDefinitionCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs'
import { CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam'
import { AssumeRoleCommand } from '@aws-sdk/client-sts'
import { startEmulator, type Credentials, type TestEmulator } from '../support/emulator.js'

const ACCOUNT = '000000000000'
const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/viewer/look`
let emu: TestEmulator
let viewer: Credentials

beforeAll(async () => {
  emu = await startEmulator()
  const { iam, ecs } = emu.clients()
  await ecs.send(new CreateClusterCommand({ clusterName: 'prod' }))
  await ecs.send(new RegisterTaskDefinitionCommand({ family: 'web', containerDefinitions: [{ name: 'web', image: 'nginx', memory: 128 }] }))
  await iam.send(new CreateRoleCommand({
    RoleName: 'viewer',
    AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }] })
  }))
  await iam.send(new PutRolePolicyCommand({
    RoleName: 'viewer', PolicyName: 'describe-only',
    PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'DescribeEcs', Effect: 'Allow', Action: 'ecs:Describe*', Resource: '*' }] })
  }))
  await iam.send(new CreateUserCommand({ UserName: 'dev' }))
  await iam.send(new PutUserPolicyCommand({ UserName: 'dev', PolicyName: 'assume', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${ACCOUNT}:role/viewer` }] }) }))
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'dev' }))).AccessKey!
  const c = (await emu.clients({ accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! }).sts
    .send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/viewer`, RoleSessionName: 'look' }))).Credentials!
  viewer = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! }
})
afterAll(async () => {
  await emu.close()
  expect(emu.violations).toEqual([])
})

describe('a role with only ecs:Describe*', () => {
  it('describes clusters and task definitions', async () => {
    const { ecs } = emu.clients(viewer)
    expect((await ecs.send(new DescribeClustersCommand({ clusters: ['prod'] }))).clusters?.[0].clusterName).toBe('prod')
    expect((await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web' }))).taskDefinition?.family).toBe('web')
  })

  it('gets AccessDeniedException on RegisterTaskDefinition, as AWS words it', async () => {
    const { ecs } = emu.clients(viewer)
    const attempt = ecs.send(new RegisterTaskDefinitionCommand({ family: 'web', containerDefinitions: [{ name: 'web', image: 'nginx', memory: 128 }] }))
    await expect(attempt).rejects.toMatchObject({
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
      message: `User: ${SESSION} is not authorized to perform: ecs:RegisterTaskDefinition on resource: arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/web:2 because no identity-based policy allows the ecs:RegisterTaskDefinition action`
    })
  })

  it('shows both in the decision log, with the statement that allowed and the layer that did not', async () => {
    const res = await fetch(`${emu.url}/_emulator/decisions?principal=${encodeURIComponent(SESSION)}`)
    const { decisions } = await res.json() as { decisions: any[] }
    const register = decisions.find(d => d.action === 'ecs:RegisterTaskDefinition')
    const describeClusters = decisions.find(d => d.action === 'ecs:DescribeClusters')
    expect(register).toMatchObject({ decision: 'ImplicitDeny', missingAllowIn: 'identity', enforced: true, message: expect.stringContaining('because no identity-based policy allows') })
    expect(describeClusters).toMatchObject({
      decision: 'Allow', resource: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/prod`,
      decidedBy: { kind: 'identity', statement: 'DescribeEcs', policy: expect.stringContaining('describe-only') }
    })
    expect(decisions.indexOf(register)).toBeLessThan(decisions.indexOf(describeClusters))
  })
})

describe('--iam soft', () => {
  it('records the same denial but lets the call through', async () => {
    const soft = await startEmulator({ iam: 'soft' })
    try {
      const { iam } = soft.clients()
      await iam.send(new CreateUserCommand({ UserName: 'nobody' }))
      const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'nobody' }))).AccessKey!
      const { ecs } = soft.clients({ accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! })
      await ecs.send(new CreateClusterCommand({ clusterName: 'anyway' }))
      const { decisions } = await (await fetch(`${soft.url}/_emulator/decisions?action=ecs:CreateCluster`)).json() as { decisions: any[] }
      expect(decisions[0]).toMatchObject({ decision: 'ImplicitDeny', enforced: false, principal: `arn:aws:iam::${ACCOUNT}:user/nobody` })
    } finally {
      await soft.close()
    }
  })
})
