import { beforeAll, describe, expect, it } from 'vitest'
import { CreateClusterCommand, DescribeClustersCommand, DescribeTaskDefinitionCommand, RegisterTaskDefinitionCommand } from '@aws-sdk/client-ecs'
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam'
import { AssumeRoleCommand } from '@aws-sdk/client-sts'
import { startEmulator, useEmulator, type Credentials } from '../support/emulator.js'
import { ACCOUNT, allowPolicy, credentialsOf, policyDocument, trustAccount, userWithKey } from '../support/fixtures.js'

const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/viewer/look`
const t = useEmulator()
let viewer: Credentials

beforeAll(async () => {
  const { iam, ecs } = t
  await ecs.send(new CreateClusterCommand({ clusterName: 'prod' }))
  await ecs.send(new RegisterTaskDefinitionCommand({ family: 'web', containerDefinitions: [{ name: 'web', image: 'nginx', memory: 128 }] }))
  await iam.send(new CreateRoleCommand({ RoleName: 'viewer', AssumeRolePolicyDocument: trustAccount() }))
  await iam.send(new PutRolePolicyCommand({
    RoleName: 'viewer', PolicyName: 'describe-only',
    PolicyDocument: policyDocument({ Sid: 'DescribeEcs', Effect: 'Allow', Action: 'ecs:Describe*', Resource: '*' })
  }))
  const dev = await userWithKey(iam, 'dev', allowPolicy('sts:AssumeRole', `arn:aws:iam::${ACCOUNT}:role/viewer`))
  const c = (await t.emu.clients(dev).sts
    .send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/viewer`, RoleSessionName: 'look' }))).Credentials!
  viewer = credentialsOf(c)
})

describe('a role with only ecs:Describe*', () => {
  it('describes clusters and task definitions', async () => {
    const { ecs } = t.emu.clients(viewer)
    expect((await ecs.send(new DescribeClustersCommand({ clusters: ['prod'] }))).clusters?.[0].clusterName).toBe('prod')
    expect((await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web' }))).taskDefinition?.family).toBe('web')
  })

  it('gets AccessDeniedException on RegisterTaskDefinition, as AWS words it', async () => {
    const { ecs } = t.emu.clients(viewer)
    const attempt = ecs.send(new RegisterTaskDefinitionCommand({ family: 'web', containerDefinitions: [{ name: 'web', image: 'nginx', memory: 128 }] }))
    await expect(attempt).rejects.toMatchObject({
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 400 },
      message: `User: ${SESSION} is not authorized to perform: ecs:RegisterTaskDefinition on resource: arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/web:2 because no identity-based policy allows the ecs:RegisterTaskDefinition action`
    })
  })

  it('shows both in the decision log, with the statement that allowed and the layer that did not', async () => {
    const res = await fetch(`${t.emu.url}/_emulator/decisions?principal=${encodeURIComponent(SESSION)}`)
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
      const nobody = await userWithKey(soft.clients().iam, 'nobody')
      const { ecs } = soft.clients(nobody)
      await ecs.send(new CreateClusterCommand({ clusterName: 'anyway' }))
      const { decisions } = await (await fetch(`${soft.url}/_emulator/decisions?action=ecs:CreateCluster`)).json() as { decisions: any[] }
      expect(decisions[0]).toMatchObject({ decision: 'ImplicitDeny', enforced: false, principal: `arn:aws:iam::${ACCOUNT}:user/nobody` })
    } finally {
      await soft.close()
    }
  })
})
