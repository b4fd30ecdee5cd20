import { beforeAll, describe, expect, it } from 'vitest'
import {
  CreateClusterCommand, CreateServiceCommand, DeleteServiceCommand, DescribeServicesCommand,
  ListServicesCommand, ListTasksCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand,
  type CreateServiceCommandInput, type ECSClient, type RegisterTaskDefinitionCommandInput
} from '@aws-sdk/client-ecs'
import {
  AttachRolePolicyCommand, CreateRoleCommand, DeleteServiceLinkedRoleCommand, GetRoleCommand,
  PutRolePolicyCommand
} from '@aws-sdk/client-iam'
import { useEmulator } from '../support/emulator.js'
import {
  ACCOUNT, allowPolicy, clusterArn, failure, policyDocument, trustService, userWithKey
} from '../support/fixtures.js'
import { ec2Ok, filters, items } from '../ec2/client.js'
import { elbOk, members } from '../elbv2/client.js'
import { SERVICE_MESSAGES } from '../../src/ecs/service-validation.js'

const t = useEmulator()
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`
const SLR = `arn:aws:iam::${ACCOUNT}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS`
const serviceArn = (cluster: string, name: string) =>
  `arn:aws:ecs:us-east-1:${ACCOUNT}:service/${cluster}/${name}`

let vpcId = ''
let subnets: string[] = []
let clusters = 0
let families = 0
let groups = 0

beforeAll(async () => {
  const vpc = items((await ec2Ok(t.emu.url, 'DescribeVpcs', filters(['is-default', ['true']]))).vpcSet)[0]
  vpcId = vpc.vpcId
  subnets = items((await ec2Ok(t.emu.url, 'DescribeSubnets', filters(['vpc-id', [vpcId]]))).subnetSet)
    .map((s: any) => s.subnetId)
  await t.iam.send(new CreateRoleCommand({
    RoleName: 'ecsServiceRole', AssumeRolePolicyDocument: trustService('ecs.amazonaws.com')
  }))
  await t.iam.send(new AttachRolePolicyCommand({
    RoleName: 'ecsServiceRole',
    PolicyArn: 'arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceRole'
  }))
})

async function cluster (): Promise<string> {
  const name = `svc${clusters++}`
  await t.ecs.send(new CreateClusterCommand({ clusterName: name }))
  return name
}

async function taskDefinition (more: Partial<RegisterTaskDefinitionCommandInput> = {}): Promise<string> {
  const { taskDefinition: td } = await t.ecs.send(new RegisterTaskDefinitionCommand({
    family: `web${families++}`,
    containerDefinitions: [{
      name: 'web', image: 'nginx', memory: 128, portMappings: [{ containerPort: 8080 }]
    }],
    ...more
  }))
  return td!.taskDefinitionArn!
}

const awsvpcDefinition = () => taskDefinition({ networkMode: 'awsvpc' })
const awsvpc = () => ({ awsvpcConfiguration: { subnets: [subnets[0]] } })

/** A target group, forwarded to by a listener of a new load balancer unless `attached` is false. */
async function targetGroup (targetType: 'instance' | 'ip' = 'instance', attached = true): Promise<string> {
  const n = groups++
  const tg = members((await elbOk(t.emu.url, 'CreateTargetGroup', {
    Name: `tg${n}`, Protocol: 'HTTP', Port: 80, VpcId: vpcId, TargetType: targetType
  })).TargetGroups)[0]
  if (attached) {
    const lb = members((await elbOk(t.emu.url, 'CreateLoadBalancer', {
      Name: `lb${n}`, Subnets: subnets.slice(0, 2)
    })).LoadBalancers)[0]
    await elbOk(t.emu.url, 'CreateListener', {
      LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'HTTP', Port: 80,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }]
    })
  }
  return tg.TargetGroupArn
}

const lb = (targetGroupArn: string, containerName = 'web', containerPort = 8080) =>
  [{ targetGroupArn, containerName, containerPort }]

async function create (input: Partial<CreateServiceCommandInput> & { cluster: string },
  client: ECSClient = t.ecs) {
  const { service } = await client.send(new CreateServiceCommand({
    serviceName: 'web', desiredCount: 0, ...input
  }))
  return service!
}

const invalid = async (p: Promise<unknown>, message: string) => {
  const e = await failure(p)
  expect(e.name).toBe('InvalidParameterException')
  expect(e.message).toBe(message)
}

describe('CreateService', () => {
  it('answers the service with its PRIMARY deployment, no events and nothing counted', async () => {
    const c = await cluster()
    const td = await taskDefinition()
    const before = Date.now() / 1000
    const s = await create({ cluster: c, taskDefinition: td, desiredCount: 2 })
    expect(s).toMatchObject({
      serviceArn: serviceArn(c, 'web'),
      serviceName: 'web',
      clusterArn: clusterArn(c),
      loadBalancers: [],
      serviceRegistries: [],
      status: 'ACTIVE',
      desiredCount: 2,
      runningCount: 0,
      pendingCount: 0,
      launchType: 'EC2',
      taskDefinition: td,
      deploymentConfiguration: {
        deploymentCircuitBreaker: { enable: false, rollback: false },
        maximumPercent: 200,
        minimumHealthyPercent: 100
      },
      events: [],
      placementConstraints: [],
      placementStrategy: [],
      schedulingStrategy: 'REPLICA',
      deploymentController: { type: 'ECS' },
      createdBy: `arn:aws:iam::${ACCOUNT}:root`,
      enableECSManagedTags: false,
      propagateTags: 'NONE',
      enableExecuteCommand: false
    })
    expect(s.createdAt!.getTime() / 1000).toBeGreaterThanOrEqual(Math.floor(before))
    expect(s.deployments).toHaveLength(1)
    const d = s.deployments![0]
    expect(d.id).toMatch(/^ecs-svc\/\d{19}$/)
    expect(d).toMatchObject({
      status: 'PRIMARY', taskDefinition: td, desiredCount: 2, pendingCount: 0, runningCount: 0,
      failedTasks: 0, launchType: 'EC2', rolloutState: 'IN_PROGRESS',
      rolloutStateReason: `ECS deployment ${d.id} in progress.`
    })
  })

  it('fails with ClusterNotFoundException when the cluster is missing', async () => {
    const td = await taskDefinition()
    const e = await failure(create({ cluster: 'nowhere', taskDefinition: td }))
    expect(e.name).toBe('ClusterNotFoundException')
    expect(e.message).toBe('Cluster not found.')
  })

  it('fails with ClientException when the task definition is missing', async () => {
    const c = await cluster()
    const e = await failure(create({ cluster: c, taskDefinition: 'nothing:1' }))
    expect(e.name).toBe('ClientException')
    expect(e.message).toBe('TaskDefinition not found.')
  })

  it('refuses a second service of the same name while it is ACTIVE', async () => {
    const c = await cluster()
    const td = await taskDefinition()
    await create({ cluster: c, taskDefinition: td })
    await invalid(create({ cluster: c, taskDefinition: td }), 'Creation of service was not idempotent.')
  })

  it('refuses a health check grace period without load balancers', async () => {
    const c = await cluster()
    await invalid(create({ cluster: c, taskDefinition: await taskDefinition(), healthCheckGracePeriodSeconds: 30 }),
      'Health check grace period is only valid for services configured to use load balancers')
  })

  it('refuses a desired count for a DAEMON service, and fills in 0/100 for it', async () => {
    const c = await cluster()
    const td = await taskDefinition()
    await invalid(create({ cluster: c, taskDefinition: td, schedulingStrategy: 'DAEMON', desiredCount: 1 }),
      SERVICE_MESSAGES.daemonDesiredCount)
    const s = await t.ecs.send(new CreateServiceCommand({
      cluster: c, serviceName: 'd', taskDefinition: td, schedulingStrategy: 'DAEMON'
    }))
    expect(s.service!.deploymentConfiguration).toMatchObject({ maximumPercent: 100, minimumHealthyPercent: 0 })
  })

  it('refuses deployment controllers other than ECS', async () => {
    const c = await cluster()
    await invalid(create({ cluster: c, taskDefinition: await taskDefinition(), deploymentController: { type: 'CODE_DEPLOY' } }),
      SERVICE_MESSAGES.deploymentController('CODE_DEPLOY'))
  })

  it('checks the network configuration as RunTask does', async () => {
    const c = await cluster()
    await invalid(create({ cluster: c, taskDefinition: await awsvpcDefinition() }),
      "Network Configuration must be provided when networkMode 'awsvpc' is specified.")
    await invalid(create({ cluster: c, taskDefinition: await taskDefinition(), networkConfiguration: awsvpc() }),
      'Network Configuration is not valid for the given networkMode of this task definition.')
  })

  it('shows an awsvpc network configuration with assignPublicIp filled in', async () => {
    const c = await cluster()
    const s = await create({ cluster: c, taskDefinition: await awsvpcDefinition(), networkConfiguration: awsvpc() })
    expect(s.networkConfiguration).toEqual({ awsvpcConfiguration: { subnets: [subnets[0]], assignPublicIp: 'DISABLED' } })
    expect(s.roleArn).toBe(SLR)
  })

  it('keeps tags and shows them with include TAGS', async () => {
    const c = await cluster()
    await create({ cluster: c, taskDefinition: await taskDefinition(), tags: [{ key: 'team', value: 'web' }] })
    const plain = await t.ecs.send(new DescribeServicesCommand({ cluster: c, services: ['web'] }))
    expect(plain.services![0].tags).toBeUndefined()
    const tagged = await t.ecs.send(new DescribeServicesCommand({ cluster: c, services: ['web'], include: ['TAGS'] }))
    expect(tagged.services![0].tags).toEqual([{ key: 'team', value: 'web' }])
  })
})

describe('CreateService load balancers', () => {
  it('registers nothing yet and shows the load balancer block as given', async () => {
    const c = await cluster()
    const tg = await targetGroup()
    const s = await create({ cluster: c, taskDefinition: await taskDefinition(), loadBalancers: lb(tg), role: 'ecsServiceRole', healthCheckGracePeriodSeconds: 60 })
    expect(s.loadBalancers).toEqual(lb(tg))
    expect(s.healthCheckGracePeriodSeconds).toBe(60)
    expect(s.roleArn).toBe(role('ecsServiceRole'))
  })

  it('fails when the container is not in the task definition', async () => {
    const c = await cluster()
    await invalid(create({ cluster: c, taskDefinition: await taskDefinition(), loadBalancers: lb(await targetGroup(), 'api') }),
      'The container api does not exist in the task definition.')
  })

  it('fails when the container does not map the port', async () => {
    const c = await cluster()
    await invalid(create({ cluster: c, taskDefinition: await taskDefinition(), loadBalancers: lb(await targetGroup(), 'web', 80) }),
      'The container web did not have a container port 80 defined.')
  })

  it('fails when the target group has no load balancer', async () => {
    const c = await cluster()
    const tg = await targetGroup('instance', false)
    await invalid(create({ cluster: c, taskDefinition: await taskDefinition(), loadBalancers: lb(tg), role: 'ecsServiceRole' }),
      `The target group with targetGroupArn ${tg} does not have an associated load balancer.`)
  })

  it('fails when the target group does not exist', async () => {
    const c = await cluster()
    const tg = `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:targetgroup/gone/0123456789abcdef`
    await invalid(create({ cluster: c, taskDefinition: await taskDefinition(), loadBalancers: lb(tg) }),
      SERVICE_MESSAGES.targetGroupNotFound(tg))
    await invalid(create({ cluster: c, taskDefinition: await taskDefinition(), loadBalancers: lb(tg), role: 'ecsServiceRole' }),
      SERVICE_MESSAGES.unableToAssumeRole)
  })

  it('refuses an instance target group for an awsvpc task definition', async () => {
    const c = await cluster()
    const tg = await targetGroup('instance')
    await invalid(create({ cluster: c, taskDefinition: await awsvpcDefinition(), networkConfiguration: awsvpc(), loadBalancers: lb(tg) }),
      `The provided target group ${tg} has target type instance, which is incompatible with the awsvpc network mode specified in the task definition.`)
  })

  it('refuses a role for an awsvpc service, which uses the service-linked role', async () => {
    const c = await cluster()
    const tg = await targetGroup('ip')
    const td = await awsvpcDefinition()
    await invalid(create({ cluster: c, taskDefinition: td, networkConfiguration: awsvpc(), loadBalancers: lb(tg), role: 'ecsServiceRole' }),
      'You cannot specify an IAM role for services that require a service linked role.')
    const s = await create({ cluster: c, taskDefinition: td, networkConfiguration: awsvpc(), loadBalancers: lb(tg) })
    expect(s.roleArn).toBe(SLR)
  })
})

describe('CreateService roles', () => {
  it('fails at once when the role does not trust ecs.amazonaws.com', async () => {
    await t.iam.send(new CreateRoleCommand({ RoleName: 'ec2Only', AssumeRolePolicyDocument: trustService('ec2.amazonaws.com') }))
    const c = await cluster()
    const tg = await targetGroup()
    await invalid(create({ cluster: c, taskDefinition: await taskDefinition(), loadBalancers: lb(tg), role: 'ec2Only' }),
      'Unable to assume role and validate the specified targetGroupArn. Please verify that the ECS service role being passed has the proper permissions.')
    await invalid(create({ cluster: c, taskDefinition: await taskDefinition(), loadBalancers: lb(tg), role: 'missingRole' }),
      SERVICE_MESSAGES.unableToAssumeRole)
  })

  it('fails when the role may not describe the target group', async () => {
    await t.iam.send(new CreateRoleCommand({ RoleName: 'registerOnly', AssumeRolePolicyDocument: trustService('ecs.amazonaws.com') }))
    await t.iam.send(new PutRolePolicyCommand({
      RoleName: 'registerOnly', PolicyName: 'only', PolicyDocument: allowPolicy('elasticloadbalancing:RegisterTargets')
    }))
    const c = await cluster()
    await invalid(create({ cluster: c, taskDefinition: await taskDefinition(), loadBalancers: lb(await targetGroup()), role: 'registerOnly' }),
      SERVICE_MESSAGES.unableToAssumeRole)
  })

  it('creates the service-linked role on first need, when the caller may', async () => {
    await t.iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: 'AWSServiceRoleForECS' })).catch(() => {})
    const deployer = await userWithKey(t.iam, 'slrless', policyDocument(
      { Effect: 'Allow', Action: 'ecs:CreateService', Resource: '*' }
    ))
    const c = await cluster()
    const tg = await targetGroup()
    const td = await taskDefinition()
    await invalid(create({ cluster: c, taskDefinition: td, loadBalancers: lb(tg) }, t.emu.clients(deployer).ecs),
      'Unable to assume the service linked role. Please verify that the ECS service linked role exists.')

    const s = await create({ cluster: c, taskDefinition: td, loadBalancers: lb(tg) })
    expect(s.roleArn).toBe(SLR)
    const { Role } = await t.iam.send(new GetRoleCommand({ RoleName: 'AWSServiceRoleForECS' }))
    expect(Role!.Arn).toBe(SLR)
    expect(Role!.Path).toBe('/aws-service-role/ecs.amazonaws.com/')

    // now that it exists, the same caller needs no iam:CreateServiceLinkedRole
    const again = await create({ cluster: c, serviceName: 'web2', taskDefinition: td, loadBalancers: lb(tg) }, t.emu.clients(deployer).ecs)
    expect(again.roleArn).toBe(SLR)
  })

  it('checks iam:PassRole for the service role and the task definition roles', async () => {
    await t.iam.send(new CreateRoleCommand({ RoleName: 'svcAppRole', AssumeRolePolicyDocument: trustService('ecs-tasks.amazonaws.com') }))
    const deployer = await userWithKey(t.iam, 'deployer', policyDocument(
      { Effect: 'Allow', Action: 'ecs:CreateService', Resource: '*' }
    ))
    const client = t.emu.clients(deployer).ecs
    const c = await cluster()
    const withRole = await taskDefinition({ taskRoleArn: 'svcAppRole' })
    const e = await failure(create({ cluster: c, taskDefinition: withRole }, client))
    expect(e.name).toBe('AccessDeniedException')
    expect(e.message).toBe(`User: arn:aws:iam::${ACCOUNT}:user/deployer is not authorized to perform: iam:PassRole on resource: ${role('svcAppRole')} because no identity-based policy allows the iam:PassRole action`)

    const e2 = await failure(create({ cluster: c, taskDefinition: await taskDefinition(), loadBalancers: lb(await targetGroup()), role: 'ecsServiceRole' }, client))
    expect(e2.name).toBe('AccessDeniedException')
    expect(e2.message).toBe(`User: arn:aws:iam::${ACCOUNT}:user/deployer is not authorized to perform: iam:PassRole on resource: ${role('ecsServiceRole')} because no identity-based policy allows the iam:PassRole action`)
  })

  it('is refused for a caller without ecs:CreateService on the service', async () => {
    const reader = await userWithKey(t.iam, 'svcReader', allowPolicy('ecs:DescribeServices'))
    const c = await cluster()
    const e = await failure(create({ cluster: c, taskDefinition: await taskDefinition() }, t.emu.clients(reader).ecs))
    expect(e.name).toBe('AccessDeniedException')
    expect(e.message).toBe(`User: arn:aws:iam::${ACCOUNT}:user/svcReader is not authorized to perform: ecs:CreateService on resource: ${serviceArn(c, 'web')} because no identity-based policy allows the ecs:CreateService action`)
  })
})

describe('UpdateService', () => {
  it('sets the desired count on the service and its PRIMARY deployment, without a new one', async () => {
    const c = await cluster()
    const created = await create({ cluster: c, taskDefinition: await taskDefinition(), desiredCount: 1 })
    const { service } = await t.ecs.send(new UpdateServiceCommand({ cluster: c, service: 'web', desiredCount: 3 }))
    expect(service!.desiredCount).toBe(3)
    expect(service!.deployments).toHaveLength(1)
    expect(service!.deployments![0]).toMatchObject({ id: created.deployments![0].id, desiredCount: 3, status: 'PRIMARY' })
  })

  it('makes a new PRIMARY deployment for a new task definition, the old one ACTIVE', async () => {
    const c = await cluster()
    const family = `roll${families++}`
    const first = await taskDefinition({ family })
    const second = await taskDefinition({ family })
    const created = await create({ cluster: c, taskDefinition: first, desiredCount: 2 })
    const { service } = await t.ecs.send(new UpdateServiceCommand({ cluster: c, service: serviceArn(c, 'web'), taskDefinition: family }))
    expect(service!.taskDefinition).toBe(second)
    expect(service!.deployments!.map(d => [d.status, d.taskDefinition, d.desiredCount])).toEqual([
      ['PRIMARY', second, 2], ['ACTIVE', first, 2]
    ])
    expect(service!.deployments![1].id).toBe(created.deployments![0].id)
  })

  it('makes a new deployment when forced', async () => {
    const c = await cluster()
    const td = await taskDefinition()
    await create({ cluster: c, taskDefinition: td })
    const { service } = await t.ecs.send(new UpdateServiceCommand({ cluster: c, service: 'web', forceNewDeployment: true }))
    expect(service!.deployments!.map(d => d.status)).toEqual(['PRIMARY', 'ACTIVE'])
    expect(service!.deployments![0].taskDefinition).toBe(td)
  })

  it('fails with ServiceNotFoundException when the service is missing', async () => {
    const c = await cluster()
    const e = await failure(t.ecs.send(new UpdateServiceCommand({ cluster: c, service: 'none', desiredCount: 1 })))
    expect(e.name).toBe('ServiceNotFoundException')
    expect(e.message).toBe('Service not found.')
  })

  it('fails with ServiceNotActiveException once the service is deleted', async () => {
    const c = await cluster()
    await create({ cluster: c, taskDefinition: await taskDefinition() })
    await t.ecs.send(new DeleteServiceCommand({ cluster: c, service: 'web' }))
    const e = await failure(t.ecs.send(new UpdateServiceCommand({ cluster: c, service: 'web', desiredCount: 1 })))
    expect(e.name).toBe('ServiceNotActiveException')
    expect(e.message).toBe('Service was not ACTIVE.')
  })

  it('validates new load balancers as CreateService does', async () => {
    const c = await cluster()
    await create({ cluster: c, taskDefinition: await taskDefinition() })
    await invalid(t.ecs.send(new UpdateServiceCommand({ cluster: c, service: 'web', healthCheckGracePeriodSeconds: 10 })),
      'Health check grace period is only valid for services configured to use load balancers')
    await invalid(t.ecs.send(new UpdateServiceCommand({ cluster: c, service: 'web', loadBalancers: lb(await targetGroup(), 'nope') })),
      'The container nope does not exist in the task definition.')
    const tg = await targetGroup()
    const { service } = await t.ecs.send(new UpdateServiceCommand({ cluster: c, service: 'web', loadBalancers: lb(tg) }))
    expect(service!.loadBalancers).toEqual(lb(tg))
    expect(service!.roleArn).toBe(SLR)
    expect(service!.deployments!.map(d => d.status)).toEqual(['PRIMARY', 'ACTIVE'])
  })
})

describe('UpdateService task definitions', () => {
  it('checks the load balancers against a new task definition', async () => {
    const c = await cluster()
    const tg = await targetGroup()
    await create({ cluster: c, taskDefinition: await taskDefinition(), loadBalancers: lb(tg), role: 'ecsServiceRole' })
    const other = await taskDefinition({ containerDefinitions: [{ name: 'api', image: 'nginx', memory: 128, portMappings: [{ containerPort: 8080 }] }] })
    await invalid(t.ecs.send(new UpdateServiceCommand({ cluster: c, service: 'web', taskDefinition: other })),
      'The container web does not exist in the task definition.')
  })

  it('checks iam:PassRole for the roles of a new task definition', async () => {
    const updater = await userWithKey(t.iam, 'updater', allowPolicy('ecs:UpdateService'))
    const c = await cluster()
    await create({ cluster: c, taskDefinition: await taskDefinition() })
    const withRole = await taskDefinition({ executionRoleArn: 'svcAppRole' })
    const e = await failure(t.emu.clients(updater).ecs.send(new UpdateServiceCommand({ cluster: c, service: 'web', taskDefinition: withRole })))
    expect(e.name).toBe('AccessDeniedException')
    expect(e.message).toBe(`User: arn:aws:iam::${ACCOUNT}:user/updater is not authorized to perform: iam:PassRole on resource: ${role('svcAppRole')} because no identity-based policy allows the iam:PassRole action`)
  })
})

describe('DeleteService', () => {
  it('refuses a service scaled above 0 unless forced', async () => {
    const c = await cluster()
    await create({ cluster: c, taskDefinition: await taskDefinition(), desiredCount: 2 })
    await invalid(t.ecs.send(new DeleteServiceCommand({ cluster: c, service: 'web' })),
      'The service cannot be stopped while it is scaled above 0.')
    const { service } = await t.ecs.send(new DeleteServiceCommand({ cluster: c, service: 'web', force: true }))
    expect(service).toMatchObject({ status: 'DRAINING', desiredCount: 0 })
    expect(service!.deployments![0].desiredCount).toBe(0)
  })

  it('deletes a service scaled to 0 without force', async () => {
    const c = await cluster()
    await create({ cluster: c, taskDefinition: await taskDefinition(), desiredCount: 0 })
    const { service } = await t.ecs.send(new DeleteServiceCommand({ cluster: c, service: 'web' }))
    expect(service!.status).toBe('DRAINING')
  })

  it('fails with ServiceNotFoundException when the service is missing', async () => {
    const c = await cluster()
    const e = await failure(t.ecs.send(new DeleteServiceCommand({ cluster: c, service: 'none' })))
    expect(e.name).toBe('ServiceNotFoundException')
    expect(e.message).toBe('Service not found.')
  })
})

describe('DescribeServices', () => {
  it('answers MISSING for unknown names and ARNs of other clusters', async () => {
    const c = await cluster()
    await create({ cluster: c, taskDefinition: await taskDefinition() })
    const other = serviceArn('elsewhere', 'web')
    const out = await t.ecs.send(new DescribeServicesCommand({ cluster: c, services: ['web', 'ghost', other] }))
    expect(out.services!.map(s => s.serviceArn)).toEqual([serviceArn(c, 'web')])
    expect(out.failures).toEqual([
      { arn: serviceArn(c, 'ghost'), reason: 'MISSING' },
      { arn: other, reason: 'MISSING' }
    ])
  })

  it('is refused for a caller without ecs:DescribeServices on the service', async () => {
    const nobody = await userWithKey(t.iam, 'svcNobody', allowPolicy('ecs:ListServices'))
    const c = await cluster()
    const e = await failure(t.emu.clients(nobody).ecs.send(new DescribeServicesCommand({ cluster: c, services: ['web'] })))
    expect(e.name).toBe('AccessDeniedException')
    expect(e.message).toBe(`User: arn:aws:iam::${ACCOUNT}:user/svcNobody is not authorized to perform: ecs:DescribeServices on resource: ${serviceArn(c, 'web')} because no identity-based policy allows the ecs:DescribeServices action`)
  })
})

describe('ListServices', () => {
  it('pages through the services and filters by launch type and scheduling strategy', async () => {
    const c = await cluster()
    const td = await taskDefinition()
    for (const name of ['a', 'b', 'c']) await create({ cluster: c, serviceName: name, taskDefinition: td })
    await t.ecs.send(new CreateServiceCommand({ cluster: c, serviceName: 'd', taskDefinition: td, schedulingStrategy: 'DAEMON' }))

    const first = await t.ecs.send(new ListServicesCommand({ cluster: c, maxResults: 2 }))
    expect(first.serviceArns).toEqual([serviceArn(c, 'a'), serviceArn(c, 'b')])
    const second = await t.ecs.send(new ListServicesCommand({ cluster: c, maxResults: 2, nextToken: first.nextToken }))
    expect(second.serviceArns).toEqual([serviceArn(c, 'c'), serviceArn(c, 'd')])
    expect(second.nextToken).toBeUndefined()

    const daemons = await t.ecs.send(new ListServicesCommand({ cluster: c, schedulingStrategy: 'DAEMON' }))
    expect(daemons.serviceArns).toEqual([serviceArn(c, 'd')])
    const fargate = await t.ecs.send(new ListServicesCommand({ cluster: c, launchType: 'FARGATE' }))
    expect(fargate.serviceArns).toEqual([])
  })
})

describe('ListTasks', () => {
  it('fails with ServiceNotFoundException for an unknown serviceName', async () => {
    const c = await cluster()
    const e = await failure(t.ecs.send(new ListTasksCommand({ cluster: c, serviceName: 'ghost' })))
    expect(e.name).toBe('ServiceNotFoundException')
    expect(e.message).toBe('Service not found.')
    await create({ cluster: c, taskDefinition: await taskDefinition() })
    const out = await t.ecs.send(new ListTasksCommand({ cluster: c, serviceName: 'web' }))
    expect(out.taskArns).toEqual([])
  })
})
