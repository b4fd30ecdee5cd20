/**
 * What the service scheduler does beyond the example's happy path (test/examples/): the
 * events of a service that cannot place, of targets failing their health checks, of a
 * deployment the circuit breaker rolls back, and of a configuration that cannot move; on the
 * real Docker engine, with our agent, under a small time scale.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pino from 'pino'
import {
  CreateClusterCommand, CreateServiceCommand, DeleteServiceCommand, DescribeServiceDeploymentsCommand,
  DescribeServicesCommand, ListServiceDeploymentsCommand, DescribeTasksCommand,
  ListTasksCommand, RegisterTaskDefinitionCommand, StopTaskCommand, UpdateServiceCommand, UpdateTaskProtectionCommand,
  type ContainerDefinition,
  type Service
} from '@aws-sdk/client-ecs'
import { runAgent, type RunningAgent } from '../../agent/main.js'
import { DOCKER_SKIP, IMAGES, ensureImages, hasDocker, removeByLabel, testRunLabel } from '../support/docker.js'
import { useEmulator } from '../support/emulator.js'
import { dataDirs, until } from '../agent/fake-engine.js'
import { ec2Ok, filters, items } from '../ec2/client.js'
import { elbOk, members } from '../elbv2/client.js'
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam'
import { ACCOUNT, policyDocument, trustService } from '../support/fixtures.js'

process.env.ECS_EMULATOR_TIME_SCALE = '0.02'
const CLUSTER = 'scheduler'
const LABELS = testRunLabel('ecs-service-scheduler')
const t = useEmulator({ agent: false })
const dirs = dataDirs()
let agent: RunningAgent | undefined
const elb = (action: string, input: object = {}) => elbOk(t.emu.url, action, input)

const web = (page: string, more: Partial<ContainerDefinition> = {}): ContainerDefinition => ({
  name: 'web', image: IMAGES.busybox, memory: 32, essential: true, stopTimeout: 1,
  command: ['sh', '-c', `mkdir -p /www && echo ${page} > /www/index.html && httpd -f -p 8080 -h /www`],
  portMappings: [{ containerPort: 8080, hostPort: 0 }],
  ...more
})

async function revision (family: string, container: ContainerDefinition): Promise<string> {
  const { taskDefinition } = await t.ecs.send(new RegisterTaskDefinitionCommand({
    family, networkMode: 'bridge', containerDefinitions: [container]
  }))
  return taskDefinition!.taskDefinitionArn!
}

async function describe1 (name: string, cluster = CLUSTER): Promise<Service> {
  const { services } = await t.ecs.send(new DescribeServicesCommand({ cluster, services: [name] }))
  return services![0]
}

const messages = (s: Service): string[] => (s.events ?? []).map(e => e.message ?? '')

async function eventually (name: string, test: (s: Service) => boolean, what: string,
  ms = 60_000, cluster = CLUSTER): Promise<Service> {
  let last: Service | undefined
  await until(async () => { last = await describe1(name, cluster); return test(last) },
    () => `${what}: ${JSON.stringify(messages(last ?? {}).reverse(), null, 1)}`, ms)
  return last!
}

describe('a service on a cluster without container instances', () => {
  it('says in its events that no instance was found', async () => {
    await t.ecs.send(new CreateClusterCommand({ clusterName: 'empty' }))
    const td = await revision('lonely', web('lonely'))
    await t.ecs.send(new CreateServiceCommand({ cluster: 'empty', serviceName: 'lonely', taskDefinition: td, desiredCount: 1 }))
    const s = await eventually('lonely', s => messages(s).length > 0, 'a placement event', 20_000, 'empty')
    expect(messages(s)).toEqual(['(service lonely) was unable to place a task because no container instance met all of its requirements. Reason: No Container Instances were found in your cluster. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.'])
    expect(s).toMatchObject({ desiredCount: 1, runningCount: 0, pendingCount: 0 })
  })
})

describe.skipIf(!hasDocker)(`the service scheduler on the local Docker engine${DOCKER_SKIP}`, () => {
  let vpcId = ''
  let subnets: string[] = []

  beforeAll(async () => {
    await ensureImages()
    await t.ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }))
    agent = runAgent({ endpoint: t.emu.url, cluster: CLUSTER, dataDir: dirs.make(), labels: LABELS, timeScale: 0.01, log: pino({ level: 'silent' }) })
    await agent.connected()
    const vpc = items((await ec2Ok(t.emu.url, 'DescribeVpcs', filters(['is-default', ['true']]))).vpcSet)[0]
    vpcId = vpc.vpcId
    subnets = items((await ec2Ok(t.emu.url, 'DescribeSubnets', filters(['vpc-id', [vpcId]]))).subnetSet)
      .map((s: any) => s.subnetId).slice(0, 2)
  }, 60_000)

  afterAll(async () => {
    await agent?.stop()
    await removeByLabel(LABELS)
    dirs.cleanup()
  })

  /** An ALB with an HTTP listener forwarding to a new instance target group. */
  async function targetGroup (name: string, healthCheckPath: string): Promise<string> {
    const lb = members((await elb('CreateLoadBalancer', { Name: name, Subnets: subnets })).LoadBalancers)[0]
    const tg = members((await elb('CreateTargetGroup', {
      Name: name, Protocol: 'HTTP', Port: 80, VpcId: vpcId, TargetType: 'instance', HealthCheckPath: healthCheckPath,
      HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2, HealthyThresholdCount: 2, UnhealthyThresholdCount: 2
    })).TargetGroups)[0]
    await elb('ModifyTargetGroupAttributes', { TargetGroupArn: tg.TargetGroupArn, Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '5' }] })
    await elb('CreateListener', { LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }] })
    return tg.TargetGroupArn
  }

  it('replaces a task whose target fails its health checks, in AWS\'s words', async () => {
    const tg = await targetGroup('sick', '/missing')
    const td = await revision('sick', web('sick'))
    await t.ecs.send(new CreateServiceCommand({
      cluster: CLUSTER, serviceName: 'sick', taskDefinition: td, desiredCount: 1,
      loadBalancers: [{ targetGroupArn: tg, containerName: 'web', containerPort: 8080 }]
    }))
    const s = await eventually('sick', s => messages(s).some(m => m.includes('is unhealthy in')) &&
      messages(s).filter(m => m.includes('has started 1 tasks')).length >= 2, 'an unhealthy target replaced')
    const unhealthy = messages(s).find(m => m.includes('is unhealthy in'))!
    expect(unhealthy).toMatch(new RegExp(`^\\(service sick\\) \\(instance i-[0-9a-f]+\\) \\(port \\d+\\) is unhealthy in \\(target-group ${tg.replace(/[/.]/g, '\\$&')}\\) due to \\(reason Health checks failed with these codes: \\[404\\]\\)\\.$`))
    expect(messages(s)).toContain(`(service sick) deregistered 1 targets in (target-group ${tg})`)
    const { taskArns } = await t.ecs.send(new ListTasksCommand({ cluster: CLUSTER, serviceName: 'sick', desiredStatus: 'STOPPED' }))
    const { tasks } = await t.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: taskArns!.slice(0, 1) }))
    expect(tasks![0]).toMatchObject({
      desiredStatus: 'STOPPED', stopCode: 'ServiceSchedulerInitiated', group: 'service:sick',
      stoppedReason: `Task failed ELB health checks in (target-group ${tg})`
    })
    expect(tasks![0].startedBy).toMatch(/^ecs-svc\/\d{19}$/)
    await t.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'sick', desiredCount: 0 }))
  }, 90_000)

  it('drains a service task that StopTask stops before its agent stops it, and replaces it', async () => {
    const tg = await targetGroup('stopped', '/')
    await elb('ModifyTargetGroupAttributes', { TargetGroupArn: tg, Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '300' }] })
    const td = await revision('stopped', web('stopped'))
    await t.ecs.send(new CreateServiceCommand({
      cluster: CLUSTER, serviceName: 'stopped', taskDefinition: td, desiredCount: 1,
      loadBalancers: [{ targetGroupArn: tg, containerName: 'web', containerPort: 8080 }]
    }))
    await eventually('stopped', s => messages(s)[0] === '(service stopped) has reached a steady state.', 'steady')
    const { taskArns } = await t.ecs.send(new ListTasksCommand({ cluster: CLUSTER, serviceName: 'stopped' }))
    const { task } = await t.ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: taskArns![0], reason: 'drill' }))
    expect(task).toMatchObject({ lastStatus: 'DEACTIVATING', desiredStatus: 'STOPPED', stopCode: 'UserInitiated', stoppedReason: 'drill' })
    const health = await elb('DescribeTargetHealth', { TargetGroupArn: tg })
    expect(members(health.TargetHealthDescriptions).map((d: any) => d.TargetHealth.State)).toContain('draining')
    // 300 s at the scale of 0.02: the task stops after about 6 s, and a new one takes its place.
    await until(async () => {
      const { tasks } = await t.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [taskArns![0]] }))
      return tasks![0].lastStatus === 'STOPPED'
    }, () => 'the stopped task to reach STOPPED', 20_000)
    await eventually('stopped', s => s.runningCount === 1 && messages(s).filter(m => m.startsWith('(service stopped) has started 1 tasks')).length >= 2, 'a replacement')
    await t.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'stopped', desiredCount: 0 }))
  }, 60_000)

  it('reads target health as the service role: without elasticloadbalancing:DescribeTargetHealth it says so and never counts a task healthy', async () => {
    const tg = await targetGroup('blind', '/')
    await t.iam.send(new CreateRoleCommand({ RoleName: 'blindServiceRole', AssumeRolePolicyDocument: trustService('ecs.amazonaws.com') }))
    await t.iam.send(new PutRolePolicyCommand({
      RoleName: 'blindServiceRole', PolicyName: 'no-health',
      PolicyDocument: policyDocument({ Effect: 'Allow', Resource: '*', Action: [
        'elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets',
        'elasticloadbalancing:DescribeTargetGroups'
      ] })
    }))
    const td = await revision('blind', web('blind'))
    await t.ecs.send(new CreateServiceCommand({
      cluster: CLUSTER, serviceName: 'blind', taskDefinition: td, desiredCount: 1, role: 'blindServiceRole',
      loadBalancers: [{ targetGroupArn: tg, containerName: 'web', containerPort: 8080 }]
    }))
    const s = await eventually('blind', s => messages(s).some(m => m.includes('failed to describe target health')), 'the describe refusal')
    const event = messages(s).find(m => m.includes('failed to describe target health'))!
    expect(event).toContain(`(service blind) failed to describe target health in (target-group ${tg}) with (error User: arn:aws:sts::${ACCOUNT}:assumed-role/blindServiceRole/ecs-service-scheduler is not authorized to perform: elasticloadbalancing:DescribeTargetHealth`)
    expect(messages(s).some(m => m.includes('steady state'))).toBe(false)
    expect(s.deployments![0].rolloutState).toBe('IN_PROGRESS')
    await t.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'blind', desiredCount: 0 }))
  }, 60_000)

  it('rolls a failing deployment back when the circuit breaker trips', async () => {
    const good = await revision('breaker', web('good'))
    // The bad revision's container cannot start at all. One that starts and exits at once
    // (`sh -c 'exit 1'`) may be seen RUNNING first, and a task seen RUNNING completes the
    // deployment, as in ECS, after which the breaker no longer watches it.
    const bad = await revision('breaker', web('bad', { entryPoint: ['/no/such/command'] }))
    await t.ecs.send(new CreateServiceCommand({
      cluster: CLUSTER, serviceName: 'breaker', taskDefinition: good, desiredCount: 1,
      deploymentConfiguration: { deploymentCircuitBreaker: { enable: true, rollback: true } }
    }))
    const first = await eventually('breaker', s => messages(s)[0] === '(service breaker) has reached a steady state.', 'steady on the good revision')
    const goodDeployment = first.deployments![0].id!
    expect(first.deployments![0]).toMatchObject({ status: 'PRIMARY', rolloutState: 'COMPLETED', rolloutStateReason: `ECS deployment ${goodDeployment} completed.` })

    await t.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'breaker', taskDefinition: bad }))
    const s = await eventually('breaker', s => messages(s).some(m => m.includes('rolling back')) &&
      messages(s)[0] === '(service breaker) has reached a steady state.' && s.deployments!.length === 1, 'rolled back', 90_000)
    const failed = messages(s).find(m => m.includes('deployment failed'))!
    expect(failed).toMatch(/^\(service breaker\) \(deployment ecs-svc\/\d{19}\) deployment failed: tasks failed to start\.$/)
    expect(messages(s)).toContain(`(service breaker) rolling back to deployment ${goodDeployment}.`)
    expect(s.taskDefinition).toBe(good)
    expect(s.deployments![0]).toMatchObject({ status: 'PRIMARY', taskDefinition: good, rolloutState: 'COMPLETED', runningCount: 1 })
    // The service deployment of the bad revision was rolled back to the good one's revision.
    const { serviceDeployments: briefs } = await t.ecs.send(new ListServiceDeploymentsCommand({ cluster: CLUSTER, service: 'breaker' }))
    expect(briefs!.map(b => b.status)).toEqual(['ROLLBACK_SUCCESSFUL', 'SUCCESSFUL'])
    const { serviceDeployments } = await t.ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: briefs!.map(b => b.serviceDeploymentArn!) }))
    expect(serviceDeployments![0]).toMatchObject({
      status: 'ROLLBACK_SUCCESSFUL', statusReason: 'ECS deployment circuit breaker: tasks failed to start.',
      rollback: { reason: 'ECS deployment circuit breaker: tasks failed to start.', serviceRevisionArn: serviceDeployments![1].targetServiceRevision!.arn },
      deploymentCircuitBreaker: { status: 'TRIGGERED', threshold: 3 }
    })
    await t.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'breaker', desiredCount: 0 }))
  }, 120_000)

  it('scales in past a task under scale-in protection, and stops it once the protection is lifted', async () => {
    const td = await revision('guarded', web('guarded'))
    await t.ecs.send(new CreateServiceCommand({ cluster: CLUSTER, serviceName: 'guarded', taskDefinition: td, desiredCount: 2 }))
    await eventually('guarded', s => s.runningCount === 2 && messages(s)[0] === '(service guarded) has reached a steady state.', 'steady with two tasks')
    const { taskArns } = await t.ecs.send(new ListTasksCommand({ cluster: CLUSTER, serviceName: 'guarded' }))
    const [kept, other] = taskArns!
    const { protectedTasks } = await t.ecs.send(new UpdateTaskProtectionCommand({ cluster: CLUSTER, tasks: [kept], protectionEnabled: true, expiresInMinutes: 60 }))
    expect(protectedTasks![0]).toMatchObject({ taskArn: kept, protectionEnabled: true })

    await t.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'guarded', desiredCount: 0 }))
    const describeTask = async (arn: string) =>
      (await t.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [arn] }))).tasks![0]
    await until(async () => (await describeTask(other)).lastStatus === 'STOPPED', 'the unprotected task stopped')
    expect(await describeTask(kept)).toMatchObject({ lastStatus: 'RUNNING', desiredStatus: 'RUNNING' })

    await t.ecs.send(new UpdateTaskProtectionCommand({ cluster: CLUSTER, tasks: [kept], protectionEnabled: false }))
    const stopped = await until(async () => { const task = await describeTask(kept); return task.lastStatus === 'STOPPED' && task }, 'the task stopped once unprotected')
    expect(stopped).toMatchObject({ stopCode: 'ServiceSchedulerInitiated' })
  }, 60_000)

  it('runs one task of a DAEMON service on each instance, its desired count the number of instances', async () => {
    const td = await revision('daemon', web('daemon'))
    await t.ecs.send(new CreateServiceCommand({ cluster: CLUSTER, serviceName: 'daemon', taskDefinition: td, schedulingStrategy: 'DAEMON' }))
    const s = await eventually('daemon', s => messages(s)[0] === '(service daemon) has reached a steady state.', 'steady')
    expect(s).toMatchObject({ schedulingStrategy: 'DAEMON', desiredCount: 1, runningCount: 1, pendingCount: 0 })
    expect(s.deploymentConfiguration).toMatchObject({ minimumHealthyPercent: 0, maximumPercent: 100 })
    const { taskArns } = await t.ecs.send(new ListTasksCommand({ cluster: CLUSTER, serviceName: 'daemon' }))
    expect(taskArns).toHaveLength(1)
    await t.ecs.send(new DeleteServiceCommand({ cluster: CLUSTER, service: 'daemon' }))
    await eventually('daemon', s => s.status === 'INACTIVE', 'INACTIVE once its task stopped', 30_000)
  }, 60_000)

  it('says so when minimumHealthyPercent 100 and maximumPercent 100 leave no room to deploy', async () => {
    const one = await revision('stuck', web('one'))
    const two = await revision('stuck', web('two'))
    await t.ecs.send(new CreateServiceCommand({
      cluster: CLUSTER, serviceName: 'stuck', taskDefinition: one, desiredCount: 1,
      deploymentConfiguration: { minimumHealthyPercent: 100, maximumPercent: 100 }
    }))
    await eventually('stuck', s => s.runningCount === 1 && messages(s)[0]?.includes('steady state') === true, 'steady')
    await t.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'stuck', taskDefinition: two }))
    const s = await eventually('stuck', s => messages(s)[0]?.includes('unable to stop or start') === true, 'the deployment blocked', 20_000)
    expect(messages(s)[0]).toBe('(service stuck) was unable to stop or start tasks during a deployment because of the service deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again.')
    expect(s.deployments!.map(d => d.status)).toEqual(['PRIMARY', 'ACTIVE'])
    await t.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'stuck', desiredCount: 0 }))
  }, 60_000)
})
