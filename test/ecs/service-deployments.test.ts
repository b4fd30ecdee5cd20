import { describe, expect, it } from 'vitest'
import {
  CreateClusterCommand, CreateServiceCommand, DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand, DescribeServicesCommand, ListServiceDeploymentsCommand,
  RegisterTaskDefinitionCommand, UpdateServiceCommand
} from '@aws-sdk/client-ecs'
import { useEmulator } from '../support/emulator.js'
import { ACCOUNT, failure } from '../support/fixtures.js'
import { until } from '../agent/fake-engine.js'

const t = useEmulator({ agent: false })

const register = async (image: string): Promise<string> => (await t.ecs.send(new RegisterTaskDefinitionCommand({
  family: 'hist', containerDefinitions: [{ name: 'app', image, memory: 64 }]
}))).taskDefinition!.taskDefinitionArn!

const list = async (status?: ('IN_PROGRESS' | 'SUCCESSFUL' | 'STOPPED')[]) =>
  (await t.ecs.send(new ListServiceDeploymentsCommand({ cluster: 'hist', service: 'hist', status }))).serviceDeployments!

describe('service deployments', () => {
  it('records each rollout: one per new task definition, SUCCESSFUL once it completes, with its revisions', async () => {
    await t.ecs.send(new CreateClusterCommand({ clusterName: 'hist' }))
    const one = await register('nginx:1')
    const created = await t.ecs.send(new CreateServiceCommand({ cluster: 'hist', serviceName: 'hist', taskDefinition: one, desiredCount: 0 }))
    const firstArn = created.service!.currentServiceDeployment!
    expect(firstArn).toMatch(new RegExp(`^arn:aws:ecs:us-east-1:${ACCOUNT}:service-deployment/hist/hist/[A-Za-z0-9_-]{8}-[A-Za-z0-9_-]{12}$`))
    // Nothing to start: the scheduler completes it at once.
    await until(async () => (await list())[0]?.status === 'SUCCESSFUL', () => 'the first deployment to succeed')

    const two = await register('nginx:2')
    const updated = await t.ecs.send(new UpdateServiceCommand({ cluster: 'hist', service: 'hist', taskDefinition: two }))
    const secondArn = updated.service!.currentServiceDeployment!
    expect(secondArn).not.toBe(firstArn)
    await until(async () => (await list()).every(d => d.status === 'SUCCESSFUL'), () => 'both to succeed')

    const briefs = await list()
    expect(briefs.map(b => b.serviceDeploymentArn)).toEqual([secondArn, firstArn])
    expect(briefs[0]).toMatchObject({
      serviceArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:service/hist/hist`,
      clusterArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/hist`,
      status: 'SUCCESSFUL'
    })
    expect(await list(['IN_PROGRESS'])).toEqual([])

    const { serviceDeployments, failures } = await t.ecs.send(new DescribeServiceDeploymentsCommand({
      serviceDeploymentArns: [secondArn, `arn:aws:ecs:us-east-1:${ACCOUNT}:service-deployment/hist/hist/nope`]
    }))
    expect(failures).toEqual([{ arn: `arn:aws:ecs:us-east-1:${ACCOUNT}:service-deployment/hist/hist/nope`, reason: 'MISSING' }])
    const d = serviceDeployments![0]
    expect(d).toMatchObject({ serviceDeploymentArn: secondArn, status: 'SUCCESSFUL', deploymentCircuitBreaker: { status: 'DISABLED' } })
    expect(d.finishedAt).toBeInstanceOf(Date)
    expect(d.sourceServiceRevisions).toHaveLength(1)
    const target = d.targetServiceRevision!.arn!
    expect(target).toMatch(new RegExp(`^arn:aws:ecs:us-east-1:${ACCOUNT}:service-revision/hist/hist/\\d{19}$`))

    const { serviceRevisions } = await t.ecs.send(new DescribeServiceRevisionsCommand({
      serviceRevisionArns: [target, d.sourceServiceRevisions![0].arn!]
    }))
    expect(serviceRevisions!.map(r => r.taskDefinition)).toEqual([two, one])
    expect(serviceRevisions![0].containerImages).toEqual([{ containerName: 'app', image: 'nginx:2' }])

    const { services } = await t.ecs.send(new DescribeServicesCommand({ cluster: 'hist', services: ['hist'] }))
    expect(services![0].currentServiceDeployment).toBe(secondArn)
    expect(services![0].currentServiceRevisions).toEqual([{ arn: target, requestedTaskCount: 0, runningTaskCount: 0, pendingTaskCount: 0 }])
  })

  it('answers ServiceNotFoundException for a service that does not exist', async () => {
    const e = await failure(t.ecs.send(new ListServiceDeploymentsCommand({ cluster: 'hist', service: 'nope' })))
    expect(e).toMatchObject({ name: 'ServiceNotFoundException', message: 'Service not found.' })
  })
})
