import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CreateClusterCommand, CreateServiceCommand, DescribeClustersCommand, DescribeServicesCommand, ECSClient, RegisterTaskDefinitionCommand, DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs'
import { CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam'
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { ROOT, type Credentials } from '../support/emulator.js'
import { allowPolicy, credentialsOf, trustAccount, userWithKey } from '../support/fixtures.js'
import { spawnServer } from '../support/process.js'

let dir: string
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'ecs-emulator-persist-')) })
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const clients = (url: string, credentials: Credentials = ROOT) => {
  const c = { endpoint: url, region: 'us-east-1', credentials }
  return { ecs: new ECSClient(c), iam: new IAMClient(c), sts: new STSClient(c) }
}

describe('state on disk', () => {
  it('survives the server being killed and started again on the same data dir', async () => {
    const first = await spawnServer(['--data-dir', dir])
    let session: Credentials
    try {
      const { ecs, iam } = clients(first.url)
      await ecs.send(new CreateClusterCommand({ clusterName: 'kept', tags: [{ key: 'team', value: 'a' }] }))
      await ecs.send(new RegisterTaskDefinitionCommand({ family: 'web', containerDefinitions: [{ name: 'web', image: 'nginx', memory: 128 }] }))
      await ecs.send(new CreateServiceCommand({ cluster: 'kept', serviceName: 'web', taskDefinition: 'web', desiredCount: 0 }))
      await iam.send(new CreateRoleCommand({ RoleName: 'deployer', AssumeRolePolicyDocument: trustAccount() }))
      const ci = await userWithKey(iam, 'ci', allowPolicy('sts:AssumeRole'))
      const c = (await clients(first.url, ci).sts
        .send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/deployer', RoleSessionName: 'before' }))).Credentials!
      session = credentialsOf(c)
    } finally {
      await first.kill()
    }

    const second = await spawnServer(['--data-dir', dir])
    try {
      const { ecs, iam } = clients(second.url)
      const described = await ecs.send(new DescribeClustersCommand({ clusters: ['kept'], include: ['TAGS'] }))
      expect(described.clusters?.[0]).toMatchObject({ clusterName: 'kept', status: 'ACTIVE', tags: [{ key: 'team', value: 'a' }] })
      const td = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web' }))
      expect(td.taskDefinition?.revision).toBe(1)
      const { services } = await ecs.send(new DescribeServicesCommand({ cluster: 'kept', services: ['web'] }))
      expect(services?.[0]).toMatchObject({ serviceName: 'web', status: 'ACTIVE', desiredCount: 0, taskDefinition: td.taskDefinition?.taskDefinitionArn })
      expect(described.clusters?.[0].activeServicesCount).toBe(1)
      expect((await iam.send(new GetRoleCommand({ RoleName: 'deployer' }))).Role?.Arn).toBe('arn:aws:iam::000000000000:role/deployer')
      const me = await clients(second.url, session!).sts.send(new GetCallerIdentityCommand({}))
      expect(me.Arn).toBe('arn:aws:sts::000000000000:assumed-role/deployer/before')
    } finally {
      await second.stop()
    }
  })
})
