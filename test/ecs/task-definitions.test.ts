import { beforeAll, describe, expect, it } from 'vitest'
import {
  DeleteTaskDefinitionsCommand, DeregisterTaskDefinitionCommand, DescribeTaskDefinitionCommand,
  ListTaskDefinitionFamiliesCommand, ListTaskDefinitionsCommand, RegisterTaskDefinitionCommand,
  type ListTaskDefinitionFamiliesCommandInput, type ListTaskDefinitionsCommandInput, type RegisterTaskDefinitionCommandInput
} from '@aws-sdk/client-ecs'
import { useEmulator, type Credentials } from '../support/emulator.js'
import { ACCOUNT } from '../support/fixtures.js'
import { MESSAGES, validateTaskDefinition } from '../../src/ecs/task-definition-validation.js'
import type { RegisterTaskDefinitionRequest } from '../../src/ecs/task-definition.js'
import type { PolicyDocument } from '../../src/iam/policy.js'

const EXEC_ROLE = `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`
const ECR_IMAGE = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/app:1`

const t = useEmulator()

const arn = (family: string, revision: number, region = 'us-east-1') =>
  `arn:aws:ecs:${region}:${ACCOUNT}:task-definition/${family}:${revision}`

const fargate = (family: string, over: Partial<RegisterTaskDefinitionCommandInput> = {}): RegisterTaskDefinitionCommandInput => ({
  family,
  requiresCompatibilities: ['FARGATE'],
  networkMode: 'awsvpc',
  cpu: '256',
  memory: '512',
  containerDefinitions: [{ name: 'web', image: 'nginx' }],
  ...over
})

const ec2 = (family: string, over: Partial<RegisterTaskDefinitionCommandInput> = {}): RegisterTaskDefinitionCommandInput => ({
  family,
  containerDefinitions: [{ name: 'app', image: 'busybox', memory: 128 }],
  ...over
})

const register = async (input: RegisterTaskDefinitionCommandInput) =>
  (await t.ecs.send(new RegisterTaskDefinitionCommand(input))).taskDefinition!

const refusal = (input: RegisterTaskDefinitionCommandInput) =>
  expect(t.ecs.send(new RegisterTaskDefinitionCommand(input))).rejects

/** A user whose only policy is `document`, answered through the IAM directory interface. */
function userWithPolicy (name: string, document: PolicyDocument): Credentials {
  const iam = t.emu.emulator.iam as any
  const credentials = { accessKeyId: `AKIATD${name.toUpperCase().padEnd(14, 'X')}`, secretAccessKey: `${name}-secret` }
  const userArn = `arn:aws:iam::${ACCOUNT}:user/${name}`
  const original = { accessKey: iam.accessKey.bind(iam), user: iam.user.bind(iam), policySetFor: iam.policySetFor.bind(iam) }
  iam.accessKey = (id: string) => id === credentials.accessKeyId
    ? { ...credentials, account: ACCOUNT, userName: name, status: 'Active', createDate: new Date().toISOString() }
    : original.accessKey(id)
  iam.user = (account: string, userName: string) => userName === name
    ? { account, userName, userId: `AIDA${name.toUpperCase()}`, arn: userArn, path: '/', createDate: new Date().toISOString(), tags: [] }
    : original.user(account, userName)
  iam.policySetFor = (principal: { arn: string }, session: unknown) => principal.arn === userArn
    ? { identity: [{ kind: 'identity', id: `user/${name}/policy/only`, document }] }
    : original.policySetFor(principal, session)
  return credentials
}

describe('validateTaskDefinition', () => {
  const base: RegisterTaskDefinitionRequest = {
    family: 'web',
    requiresCompatibilities: ['FARGATE'],
    networkMode: 'awsvpc',
    cpu: '256',
    memory: '512',
    containerDefinitions: [{ name: 'web', image: 'nginx' }]
  }
  const onEc2: RegisterTaskDefinitionRequest = { family: 'app', containerDefinitions: [{ name: 'app', image: 'busybox', memory: 128 }] }
  const container = (over: object) => ({ containerDefinitions: [{ name: 'web', image: 'nginx', ...over }] })
  const many = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `c${i}`, image: 'busybox' }))

  const rows: [string, RegisterTaskDefinitionRequest, string | undefined][] = [
    ['accepts a valid Fargate definition', base, undefined],
    ['accepts a valid EC2 definition', onEc2, undefined],
    ['refuses a blank family', { ...base, family: '' }, MESSAGES.familyBlank],
    ['refuses a family with a space', { ...base, family: 'web app' }, MESSAGES.familyInvalid],
    ['refuses a family of 256 characters', { ...base, family: 'f'.repeat(256) }, MESSAGES.familyInvalid],
    ['accepts a family of 255 characters', { ...base, family: 'f'.repeat(255) }, undefined],
    ['refuses a role ARN whose account is a placeholder', { ...base, taskRoleArn: 'arn:aws:iam::your-account-id:role/x' }, MESSAGES.roleInvalid],
    ['refuses a stack ARN as the execution role', { ...base, executionRoleArn: 'arn:aws:cloudformation:us-east-1:000000000000:stack/s/1' }, MESSAGES.roleInvalid],
    ['accepts a bare role name', { ...base, taskRoleArn: 'appRole' }, undefined],
    ['accepts a role with a path', { ...base, taskRoleArn: 'arn:aws:iam::123456789012:role/service/app' }, undefined],
    ['refuses an empty container list', { ...base, containerDefinitions: [] }, MESSAGES.noContainers],
    ['refuses eleven containers', { ...onEc2, memory: '2048', containerDefinitions: many(11) }, MESSAGES.tooManyContainers],
    ['accepts ten containers', { ...onEc2, memory: '2048', containerDefinitions: many(10) }, undefined],
    ['refuses a container without a name', { ...base, containerDefinitions: [{ image: 'nginx' }] }, MESSAGES.nameBlank],
    ['refuses an empty container name', { ...base, ...container({ name: '' }) }, MESSAGES.nameBlank],
    ['refuses a container name with a dot', { ...base, ...container({ name: 'web.1' }) }, MESSAGES.nameInvalid],
    ['refuses a container without an image', { ...base, containerDefinitions: [{ name: 'web' }] }, MESSAGES.imageBlank],
    ['refuses an empty image', { ...base, ...container({ image: ' ' }) }, MESSAGES.imageBlank],
    ['refuses two containers of one name', { ...base, containerDefinitions: [{ name: 'a', image: 'x' }, { name: 'a', image: 'y' }] }, MESSAGES.duplicateName('a')],
    ['refuses an unreadable task cpu', { ...base, cpu: 'one' }, MESSAGES.taskCpu],
    ['refuses an EC2 task cpu under 128 units', { ...onEc2, cpu: '64' }, MESSAGES.taskCpu],
    ['refuses an unreadable task memory', { ...onEc2, memory: 'lots' }, MESSAGES.taskMemory],
    ['refuses Fargate without task cpu', { ...base, cpu: undefined }, MESSAGES.fargateCpu],
    ['refuses Fargate without task memory', { ...base, memory: undefined }, MESSAGES.fargateMemory],
    ['refuses 1 CPU unit with 2000 MiB on Fargate', { ...base, cpu: '1', memory: '2000' }, MESSAGES.fargateSize(1, 2000)],
    ['names the normalized values of a size not in the table', { ...base, cpu: '1 vCPU', memory: '1GB' }, MESSAGES.fargateSize(1024, 1024)],
    ['accepts vCPU and GB strings in the table', { ...base, cpu: '.25 vcpu', memory: '0.5 GB' }, undefined],
    ['accepts 16 vCPU with 120 GB', { ...base, cpu: '16384', memory: '122880' }, undefined],
    ['refuses Fargate in bridge mode', { ...base, networkMode: 'bridge' }, MESSAGES.fargateNetwork],
    ['refuses Fargate without a network mode', { ...base, networkMode: undefined }, MESSAGES.fargateNetwork],
    ['refuses container port 0', { ...base, ...container({ portMappings: [{ containerPort: 0 }] }) }, MESSAGES.containerPort('web')],
    ['refuses a port mapping without a container port', { ...base, ...container({ portMappings: [{ hostPort: 80 }] }) }, MESSAGES.containerPort('web')],
    ['refuses different host and container ports under awsvpc', { ...base, ...container({ portMappings: [{ containerPort: 80, hostPort: 8080 }] }) }, MESSAGES.awsvpcPorts],
    ['accepts different host and container ports in bridge mode', { ...onEc2, containerDefinitions: [{ name: 'a', image: 'x', memory: 64, portMappings: [{ containerPort: 80, hostPort: 8080 }] }] }, undefined],
    ['refuses one host port mapped twice', { ...base, containerDefinitions: [{ name: 'a', image: 'x', portMappings: [{ containerPort: 3000 }] }, { name: 'b', image: 'y', portMappings: [{ containerPort: 3000 }] }] }, MESSAGES.hostPortTwice('tcp', 3000)],
    ['accepts one port for tcp and udp', { ...base, ...container({ portMappings: [{ containerPort: 53 }, { containerPort: 53, protocol: 'udp' }] }) }, undefined],
    ['refuses container memory over the task memory', { ...base, ...container({ memory: 1024 }) }, MESSAGES.containerMemory('web')],
    ['refuses an EC2 container without memory when the task has none', { ...onEc2, containerDefinitions: [{ name: 'app', image: 'x' }] }, MESSAGES.memoryMissing('app')],
    ['accepts memoryReservation alone', { ...onEc2, containerDefinitions: [{ name: 'app', image: 'x', memoryReservation: 64 }] }, undefined],
    ['refuses a blank host sourcePath', { ...onEc2, volumes: [{ name: 'v', host: { sourcePath: '' } }] }, MESSAGES.sourcePathBlank],
    ['refuses a host sourcePath on Fargate', { ...base, volumes: [{ name: 'v', host: { sourcePath: '/var/run/docker.sock' } }] }, MESSAGES.fargateSourcePath],
    ['accepts a host sourcePath on EC2', { ...onEc2, volumes: [{ name: 'v', host: { sourcePath: '/var/run/docker.sock' } }] }, undefined],
    ['accepts a bind volume with only a name on Fargate', { ...base, volumes: [{ name: 'scratch' }], ...container({ mountPoints: [{ sourceVolume: 'scratch', containerPath: '/tmp/s' }] }) }, undefined],
    ['refuses a mount point of an undeclared volume', { ...base, ...container({ mountPoints: [{ sourceVolume: 'docker-socket', containerPath: '/var/run/docker.sock' }] }) }, MESSAGES.unknownVolume('docker-socket')],
    ['refuses ipcMode on Fargate', { ...base, ipcMode: 'host' }, MESSAGES.fargateIpcMode],
    ['refuses pidMode host on Fargate', { ...base, pidMode: 'host' }, MESSAGES.fargatePidMode('host')],
    ['refuses a privileged container on Fargate', { ...base, ...container({ privileged: true }) }, MESSAGES.fargateUnsupported('privileged containers')],
    ['accepts a privileged container on EC2', { ...onEc2, containerDefinitions: [{ name: 'app', image: 'x', memory: 64, privileged: true }] }, undefined],
    ['refuses adding NET_ADMIN on Fargate', { ...base, ...container({ linuxParameters: { capabilities: { add: ['NET_ADMIN'] } } }) }, MESSAGES.fargateCapability],
    ['accepts adding SYS_PTRACE on Fargate', { ...base, ...container({ linuxParameters: { capabilities: { add: ['SYS_PTRACE'] } } }) }, undefined],
    ['refuses secrets without an execution role, on EC2 too', { ...onEc2, containerDefinitions: [{ name: 'app', image: 'x', memory: 64, secrets: [{ name: 'DB', valueFrom: 'db-password' }] }] }, MESSAGES.secretsNeedRole],
    ['refuses log secretOptions without an execution role', { ...base, ...container({ logConfiguration: { logDriver: 'splunk', secretOptions: [{ name: 'splunk-token', valueFrom: 't' }] } }) }, MESSAGES.secretsNeedRole],
    ['refuses private registry credentials without an execution role', { ...base, ...container({ repositoryCredentials: { credentialsParameter: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:hub' } }) }, MESSAGES.privateRegistryNeedsRole],
    ['refuses awslogs on Fargate without an execution role', { ...base, ...container({ logConfiguration: { logDriver: 'awslogs', options: {} } }) }, MESSAGES.awslogsNeedsRole],
    ['accepts awslogs on EC2 without an execution role', { ...onEc2, containerDefinitions: [{ name: 'app', image: 'x', memory: 64, logConfiguration: { logDriver: 'awslogs' } }] }, undefined],
    ['does not count the task role as the execution role', { ...base, taskRoleArn: EXEC_ROLE, ...container({ logConfiguration: { logDriver: 'awslogs' } }) }, MESSAGES.awslogsNeedsRole],
    ['refuses an ECR image on Fargate without an execution role', { ...base, ...container({ image: ECR_IMAGE }) }, MESSAGES.ecrNeedsRole],
    ['accepts an ECR image on Fargate with an execution role', { ...base, executionRoleArn: EXEC_ROLE, ...container({ image: ECR_IMAGE }) }, undefined],
    ['reports only the first problem', { ...base, family: '', containerDefinitions: [] }, MESSAGES.familyBlank],
    ['reports the role before the Fargate size', { ...base, taskRoleArn: 'arn:aws:iam::x:role/r', cpu: '1' }, MESSAGES.roleInvalid],
    ['accepts restart periods of 60 and 1800 seconds', { ...base, containerDefinitions: [
      { name: 'a', image: 'x', restartPolicy: { enabled: true, restartAttemptPeriod: 60 } },
      { name: 'b', image: 'x', restartPolicy: { enabled: true, restartAttemptPeriod: 1800, ignoredExitCodes: many(50).map((_, i) => i) } }
    ] }, undefined],
    ['refuses a restart period under 60 seconds', { ...base, ...container({ restartPolicy: { enabled: true, restartAttemptPeriod: 59 } }) }, MESSAGES.restartAttemptPeriod('web')],
    ['refuses a restart period over 1800 seconds', { ...base, ...container({ restartPolicy: { enabled: false, restartAttemptPeriod: 1801 } }) }, MESSAGES.restartAttemptPeriod('web')],
    ['refuses 51 ignored exit codes', { ...base, ...container({ restartPolicy: { enabled: true, ignoredExitCodes: many(51).map((_, i) => i) } }) }, MESSAGES.ignoredExitCodes('web')]
  ]

  it.each(rows)('%s', (_name, request, expected) => {
    expect(validateTaskDefinition(request)).toBe(expected)
  })
})

describe('RegisterTaskDefinition', () => {
  it('numbers revisions per family from 1', async () => {
    const first = await register(ec2('counting'))
    const second = await register(ec2('counting'))
    const other = await register(ec2('counting-other'))

    expect([first.revision, second.revision, other.revision]).toEqual([1, 2, 1])
    expect(second.taskDefinitionArn).toBe(arn('counting', 2))
  })

  it('fills in what ECS fills in for a minimal container', async () => {
    const before = Date.now()
    const out = await t.ecs.send(new RegisterTaskDefinitionCommand(ec2('defaults')))

    expect(out.tags).toEqual([])
    expect(out.taskDefinition).toEqual({
      taskDefinitionArn: arn('defaults', 1),
      containerDefinitions: [{
        name: 'app', image: 'busybox', cpu: 0, memory: 128, portMappings: [], essential: true,
        environment: [], mountPoints: [], volumesFrom: [], systemControls: []
      }],
      family: 'defaults',
      revision: 1,
      volumes: [],
      status: 'ACTIVE',
      requiresAttributes: [],
      placementConstraints: [],
      compatibilities: ['EXTERNAL', 'EC2'],
      registeredAt: expect.any(Date),
      registeredBy: `arn:aws:iam::${ACCOUNT}:root`
    })
    expect(out.taskDefinition!.registeredAt!.getTime()).toBeGreaterThanOrEqual(before - 1)
  })

  it('keeps what the caller set and defaults port protocol and awsvpc host ports', async () => {
    const td = await register(fargate('ports', {
      containerDefinitions: [{
        name: 'web', image: 'nginx', essential: false, cpu: 128,
        portMappings: [{ containerPort: 80 }, { containerPort: 53, protocol: 'udp' }]
      }, { name: 'side', image: 'busybox' }]
    }))

    expect(td.containerDefinitions![0]).toMatchObject({
      essential: false, cpu: 128,
      portMappings: [{ containerPort: 80, hostPort: 80, protocol: 'tcp' }, { containerPort: 53, hostPort: 53, protocol: 'udp' }]
    })
    expect(td.containerDefinitions![1].essential).toBe(true)
    expect(td.compatibilities).toEqual(['EC2', 'FARGATE'])
    expect(td.requiresCompatibilities).toEqual(['FARGATE'])
  })

  it('stores cpu and memory as strings of integers', async () => {
    const td = await register(fargate('sizes', { cpu: '1 vCPU', memory: '2GB' }))

    expect([td.cpu, td.memory]).toEqual(['1024', '2048'])
  })

  it('lists EC2 only when a definition could not run on Fargate', async () => {
    const td = await register(ec2('ec2-awsvpc', { networkMode: 'awsvpc', cpu: '256', memory: '512',
      containerDefinitions: [{ name: 'app', image: 'x', logConfiguration: { logDriver: 'awslogs' } }] }))

    expect(td.compatibilities).toEqual(['EC2'])
  })

  it('computes requiresAttributes from the features used', async () => {
    const td = await register(fargate('attributes', {
      executionRoleArn: EXEC_ROLE,
      taskRoleArn: 'appTaskRole',
      volumes: [{ name: 'shared', efsVolumeConfiguration: { fileSystemId: 'fs-1234abcd' } }],
      containerDefinitions: [{
        name: 'web', image: ECR_IMAGE,
        secrets: [{ name: 'DB', valueFrom: `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/db` }],
        healthCheck: { command: ['CMD-SHELL', 'true'] },
        mountPoints: [{ sourceVolume: 'shared', containerPath: '/data' }],
        logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': 'g', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'ecs' } }
      }]
    }))

    expect(td.taskRoleArn).toBe(`arn:aws:iam::${ACCOUNT}:role/appTaskRole`)
    expect(td.requiresAttributes!.map(a => a.name).sort()).toEqual([
      'com.amazonaws.ecs.capability.docker-remote-api.1.18',
      'com.amazonaws.ecs.capability.docker-remote-api.1.19',
      'com.amazonaws.ecs.capability.docker-remote-api.1.25',
      'com.amazonaws.ecs.capability.ecr-auth',
      'com.amazonaws.ecs.capability.logging-driver.awslogs',
      'com.amazonaws.ecs.capability.task-iam-role',
      'ecs.capability.container-health-check',
      'ecs.capability.efs',
      'ecs.capability.efsAuth',
      'ecs.capability.execution-role-awslogs',
      'ecs.capability.execution-role-ecr-pull',
      'ecs.capability.secrets.ssm.environment-variables',
      'ecs.capability.task-eni'
    ])
  })

  it('keeps revisions apart per region', async () => {
    await register(ec2('regional'))
    const west = await t.emu.clients(undefined, 'us-west-2').ecs.send(new RegisterTaskDefinitionCommand(ec2('regional')))

    expect(west.taskDefinition!.taskDefinitionArn).toBe(arn('regional', 1, 'us-west-2'))
  })

  it('authorizes the new revision with the task size and compatibility keys', async () => {
    await register(fargate('authorized', { cpu: '.5 vcpu', memory: '1GB' }))

    const [d] = t.emu.emulator.decisions.query({ action: 'ecs:RegisterTaskDefinition' })
      .filter(r => r.resource === arn('authorized', 1))
    expect(d.context).toMatchObject({
      'ecs:task-cpu': 512, 'ecs:task-memory': 1024, 'ecs:compute-compatibility': ['FARGATE'], 'ecs:privileged': 'false'
    })
  })

  it('returns the tags and checks ecs:TagResource with ecs:CreateAction', async () => {
    const out = await t.ecs.send(new RegisterTaskDefinitionCommand(ec2('tagged', { tags: [{ key: 'team', value: 'ci' }] })))

    expect(out.tags).toEqual([{ key: 'team', value: 'ci' }])
    const tagging = t.emu.emulator.decisions.query({ action: 'ecs:TagResource' }).find(r => r.resource === arn('tagged', 1))
    expect(tagging?.context).toMatchObject({ 'ecs:CreateAction': 'RegisterTaskDefinition', 'aws:TagKeys': ['team'], 'aws:RequestTag/team': 'ci' })
  })

  it('fails with AccessDeniedException when the caller may not register', async () => {
    const denied = t.emu.clients(userWithPolicy('no-fargate', {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'ecs:RegisterTaskDefinition', Resource: '*' },
        { Effect: 'Deny', Action: 'ecs:RegisterTaskDefinition', Resource: '*', Condition: { NumericGreaterThan: { 'ecs:task-cpu': '256' } } }
      ]
    })).ecs

    await expect(denied.send(new RegisterTaskDefinitionCommand(fargate('big', { cpu: '512', memory: '1024' })))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: `User: arn:aws:iam::${ACCOUNT}:user/no-fargate is not authorized to perform: ecs:RegisterTaskDefinition on resource: ${arn('big', 1)} with an explicit deny in an identity-based policy`
    })
    const small = await denied.send(new RegisterTaskDefinitionCommand(fargate('big')))
    expect(small.taskDefinition!.registeredBy).toBe(`arn:aws:iam::${ACCOUNT}:user/no-fargate`)
  })

  it('fails with AccessDeniedException when the caller may not pass the execution role', async () => {
    const user = t.emu.clients(userWithPolicy('no-pass', {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'ecs:RegisterTaskDefinition', Resource: '*' }]
    })).ecs

    await expect(user.send(new RegisterTaskDefinitionCommand(fargate('passing', { executionRoleArn: EXEC_ROLE })))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: `User: arn:aws:iam::${ACCOUNT}:user/no-pass is not authorized to perform: iam:PassRole on resource: ${EXEC_ROLE} because no identity-based policy allows the iam:PassRole action`
    })
    const passed = t.emu.emulator.decisions.query({ action: 'iam:PassRole' }).find(d => d.resource === EXEC_ROLE)
    expect(passed?.context).toMatchObject({ 'iam:PassedToService': 'ecs-tasks.amazonaws.com' })
  })

  it('fails with ClientException for a blank family', async () => {
    await refusal(ec2('')).toMatchObject({ name: 'ClientException', message: 'Family can not be blank.' })
  })

  it('fails with InvalidParameterException when the family is missing', async () => {
    await refusal({ containerDefinitions: [] } as never).toMatchObject({ name: 'InvalidParameterException' })
  })

  it('fails with ClientException for an undeclared volume', async () => {
    await refusal(fargate('volumes', {
      containerDefinitions: [{ name: 'web', image: 'nginx', mountPoints: [{ sourceVolume: 'data', containerPath: '/data' }] }]
    })).toMatchObject({ name: 'ClientException', message: "Unknown volume 'data'." })
  })

  it.each([
    ['secrets', { containerDefinitions: [{ name: 'web', image: 'nginx', secrets: [{ name: 'A', valueFrom: 'a' }] }] }, MESSAGES.secretsNeedRole],
    ['private registry credentials', { containerDefinitions: [{ name: 'web', image: 'nginx', repositoryCredentials: { credentialsParameter: 'p' } }] }, MESSAGES.privateRegistryNeedsRole],
    ['awslogs', { containerDefinitions: [{ name: 'web', image: 'nginx', logConfiguration: { logDriver: 'awslogs' as const } }] }, MESSAGES.awslogsNeedsRole],
    ['an ECR image', { containerDefinitions: [{ name: 'web', image: ECR_IMAGE }] }, MESSAGES.ecrNeedsRole]
  ])('fails with ClientException for %s without an execution role', async (_what, over, message) => {
    await refusal(fargate('needs-role', over)).toMatchObject({ name: 'ClientException', message })
  })

  it('fails with ClientException for a Fargate size not in the table', async () => {
    await refusal(fargate('odd-size', { cpu: '1', memory: '2000' })).toMatchObject({
      name: 'ClientException',
      message: 'No Fargate configuration exists for given values: 1 CPU, 2000 memory. See the Amazon ECS documentation for the valid values.'
    })
  })

  it('fails with ClientException for a restart period ECS does not allow', async () => {
    await refusal(fargate('restarts', {
      containerDefinitions: [{ name: 'web', image: 'nginx', restartPolicy: { enabled: true, restartAttemptPeriod: 10 } }]
    })).toMatchObject({ name: 'ClientException', message: MESSAGES.restartAttemptPeriod('web') })
  })

  it('fails with ClientException for Fargate in bridge mode', async () => {
    await refusal(fargate('bridged', { networkMode: 'bridge' })).toMatchObject({
      name: 'ClientException', message: 'Fargate only supports network mode ‘awsvpc’.'
    })
  })

  it('fails with SerializationException when the JS SDK sends command as a string', async () => {
    const input = fargate('string-command', {
      containerDefinitions: [{ name: 'web', image: 'nginx', command: 'gitlab-runner run --max-builds 1' as never }]
    })

    await refusal(input).toMatchObject({
      name: 'SerializationException', message: "Expected list or null at 'containerDefinitions[0].command'"
    })
  })
})

describe('DescribeTaskDefinition', () => {
  beforeAll(async () => {
    await register(ec2('described', { tags: [{ key: 'env', value: 'test' }] }))
    await register(ec2('described'))
    await register(ec2('described'))
    await t.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'described:3' }))
  })

  const describeTd = (taskDefinition: string, include?: 'TAGS'[]) =>
    t.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition, include }))

  it('answers the latest ACTIVE revision for a bare family', async () => {
    const out = await describeTd('described')

    expect(out.taskDefinition!.revision).toBe(2)
    expect(out.tags).toBeUndefined()
  })

  it('answers a revision by family:revision and by ARN, INACTIVE ones too', async () => {
    const byRevision = await describeTd('described:3')
    const byArn = await describeTd(arn('described', 3))

    expect(byRevision.taskDefinition).toMatchObject({ status: 'INACTIVE', deregisteredAt: expect.any(Date) })
    expect(byArn.taskDefinition).toEqual(byRevision.taskDefinition)
  })

  it('includes the tags when asked', async () => {
    const out = await describeTd('described:1', ['TAGS'])

    expect(out.tags).toEqual([{ key: 'env', value: 'test' }])
  })

  it.each([
    ['an unknown family', 'nothing-here'],
    ['an unknown revision', 'described:9'],
    ['a revision 0', 'described:0'],
    ['an ARN of another region', arn('described', 1, 'eu-west-1')],
    ['a malformed reference', 'described:latest']
  ])('fails with ClientException for %s', async (_what, ref) => {
    await expect(describeTd(ref)).rejects.toMatchObject({ name: 'ClientException', message: 'Unable to describe task definition.' })
  })
})

describe('ListTaskDefinitions', () => {
  beforeAll(async () => {
    for (const family of ['list-b', 'list-a', 'list-a', 'list-a']) await register(ec2(family))
    await t.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'list-a:2' }))
  })

  const list = (input: ListTaskDefinitionsCommandInput) =>
    t.ecs.send(new ListTaskDefinitionsCommand(input))

  it('lists the ACTIVE revisions of one family when familyPrefix names it', async () => {
    const out = await list({ familyPrefix: 'list-a' })

    expect(out.taskDefinitionArns).toEqual([arn('list-a', 1), arn('list-a', 3)])
  })

  it('treats familyPrefix as a whole family name', async () => {
    const out = await list({ familyPrefix: 'list' })

    expect(out.taskDefinitionArns).toEqual([])
  })

  it('lists INACTIVE revisions when asked', async () => {
    const out = await list({ familyPrefix: 'list-a', status: 'INACTIVE' })

    expect(out.taskDefinitionArns).toEqual([arn('list-a', 2)])
  })

  it('sorts by family and revision, DESC reversing both', async () => {
    const all = (await list({ sort: 'DESC' })).taskDefinitionArns!.filter(a => a.includes('/list-'))

    expect(all).toEqual([arn('list-b', 1), arn('list-a', 3), arn('list-a', 1)])
  })

  it('pages with maxResults and nextToken', async () => {
    const first = await list({ familyPrefix: 'list-a', maxResults: 1 })
    const second = await list({ familyPrefix: 'list-a', maxResults: 1, nextToken: first.nextToken })

    expect([first.taskDefinitionArns, second.taskDefinitionArns, second.nextToken]).toEqual([[arn('list-a', 1)], [arn('list-a', 3)], undefined])
  })

  it('fails with InvalidParameterException for maxResults over 100', async () => {
    await expect(list({ maxResults: 101 })).rejects.toMatchObject({
      name: 'InvalidParameterException', message: 'maxResults must be between 1 and 100'
    })
  })
})

describe('ListTaskDefinitionFamilies', () => {
  beforeAll(async () => {
    for (const family of ['fam-live', 'fam-gone', 'fam-mixed', 'fam-mixed']) await register(ec2(family))
    await t.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'fam-gone:1' }))
    await t.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'fam-mixed:1' }))
  })

  const families = async (input: ListTaskDefinitionFamiliesCommandInput) =>
    (await t.ecs.send(new ListTaskDefinitionFamiliesCommand(input))).families

  it('lists every family beginning with the prefix by default', async () => {
    expect(await families({ familyPrefix: 'fam-' })).toEqual(['fam-gone', 'fam-live', 'fam-mixed'])
  })

  it('lists families with an ACTIVE revision for ACTIVE', async () => {
    expect(await families({ familyPrefix: 'fam-', status: 'ACTIVE' })).toEqual(['fam-live', 'fam-mixed'])
  })

  it('lists families without an ACTIVE revision for INACTIVE', async () => {
    expect(await families({ familyPrefix: 'fam-', status: 'INACTIVE' })).toEqual(['fam-gone'])
  })

  it('pages with maxResults and nextToken', async () => {
    const first = await t.ecs.send(new ListTaskDefinitionFamiliesCommand({ familyPrefix: 'fam-', maxResults: 2 }))
    const rest = await t.ecs.send(new ListTaskDefinitionFamiliesCommand({ familyPrefix: 'fam-', nextToken: first.nextToken }))

    expect([first.families, rest.families]).toEqual([['fam-gone', 'fam-live'], ['fam-mixed']])
  })
})

describe('DeregisterTaskDefinition', () => {
  it('marks the revision INACTIVE with deregisteredAt, and again changes nothing', async () => {
    await register(ec2('retired'))
    const out = await t.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: arn('retired', 1) }))
    const again = await t.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'retired:1' }))

    expect(out.taskDefinition).toMatchObject({ status: 'INACTIVE', deregisteredAt: expect.any(Date) })
    expect(again.taskDefinition).toEqual(out.taskDefinition)
  })

  it.each([
    ['a bare family', 'retired'],
    ['an unknown revision', 'retired:7']
  ])('fails with ClientException for %s', async (_what, taskDefinition) => {
    await expect(t.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition }))).rejects.toMatchObject({
      name: 'ClientException',
      message: 'The specified task definition does not exist. Specify a valid account, family, revision and try again.'
    })
  })
})

describe('DeleteTaskDefinitions', () => {
  it('deletes INACTIVE revisions and reports ACTIVE, unknown and malformed ones as failures', async () => {
    await register(ec2('doomed'))
    await register(ec2('doomed'))
    await t.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'doomed:1' }))

    const elsewhere = arn('doomed', 1, 'eu-west-1')
    const out = await t.ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: ['doomed:1', 'doomed:2', 'doomed:5', elsewhere, 'doomed'] }))

    expect(out.taskDefinitions!.map(t => [t.taskDefinitionArn, t.status, t.deleteRequestedAt])).toEqual([
      [arn('doomed', 1), 'DELETE_IN_PROGRESS', undefined]
    ])
    expect(out.failures).toEqual([
      { arn: arn('doomed', 2), reason: 'The specified task definition is still in ACTIVE status. Please deregister the target and try again.' },
      { arn: arn('doomed', 5), reason: 'The specified task definition does not exist. Specify a valid account, family, revision and try again.' },
      { arn: elsewhere, reason: 'The specified task definition does not exist. Specify a valid account, family, revision and try again.' },
      { arn: 'doomed', reason: 'The specified task definition identifier is invalid. Specify a valid name or ARN and try again.' }
    ])
  })

  it('keeps the deleted revision describable and listed as DELETE_IN_PROGRESS', async () => {
    await register(ec2('deleted'))
    await t.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'deleted:1' }))
    await t.ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: [arn('deleted', 1)] }))

    const described = await t.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'deleted:1' }))
    const listed = await t.ecs.send(new ListTaskDefinitionsCommand({ familyPrefix: 'deleted', status: 'DELETE_IN_PROGRESS' }))
    const next = await register(ec2('deleted'))

    expect(described.taskDefinition).toMatchObject({ status: 'DELETE_IN_PROGRESS', deleteRequestedAt: expect.any(Date) })
    expect(listed.taskDefinitionArns).toEqual([arn('deleted', 1)])
    expect(next.revision).toBe(2)
  })

  it('authorizes each revision on its ARN', async () => {
    await t.ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions: ['never-registered:4'] }))

    const checks = t.emu.emulator.decisions.query({ action: 'ecs:DeleteTaskDefinitions' }).map(d => d.resource)
    expect(checks).toContain(arn('never-registered', 4))
  })

  it('fails with InvalidParameterException for more than 10 revisions', async () => {
    const taskDefinitions = Array.from({ length: 11 }, (_, i) => `many:${i + 1}`)

    await expect(t.ecs.send(new DeleteTaskDefinitionsCommand({ taskDefinitions }))).rejects.toMatchObject({
      name: 'InvalidParameterException', message: 'taskDefinitions can have at most 10 items'
    })
  })
})
