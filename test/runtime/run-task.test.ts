/**
 * The whole path on the real Docker engine: RunTask on the control plane, the payload over
 * ACS, our agent (with its Docker engine) starting the containers as the execution role, the
 * state changes back, and the task's application calling the emulator as its task role.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pino from 'pino'
import {
  CreateClusterCommand, DescribeTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand,
  StopTaskCommand, type ContainerDefinition, type Task
} from '@aws-sdk/client-ecs'
import { CreateLogGroupCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs'
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam'
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager'
import { CreateRepositoryCommand } from '@aws-sdk/client-ecr'
import { dockerode, freePort } from '../support/docker.js'
import { ec2Ok, filters, items } from '../ec2/client.js'
import { runAgent, type RunningAgent } from '../../agent/main.js'
import { DOCKER_SKIP, IMAGES, ensureImages, hasDocker, removeByLabel, testRunLabel } from '../support/docker.js'
import { useEmulator } from '../support/emulator.js'
import { ACCOUNT, policyDocument, trustService } from '../support/fixtures.js'
import { dataDirs, until } from '../agent/fake-engine.js'

const CLUSTER = 'runtime'
const LABELS = testRunLabel('runtime-run-task')
const t = useEmulator({ agent: false })
const dirs = dataDirs()
let agent: RunningAgent
let agentDir: string

const quiet = pino({ level: process.env.ECS_EMULATOR_TEST_LOG ?? 'silent' })

const startAgent = (): RunningAgent => runAgent({
  endpoint: t.emu.url, cluster: CLUSTER, dataDir: agentDir, labels: LABELS, timeScale: 0.01, log: quiet
})

const role = async (name: string, statements: object[]): Promise<string> => {
  const { Role } = await t.iam.send(new CreateRoleCommand({
    RoleName: name, AssumeRolePolicyDocument: trustService('ecs-tasks.amazonaws.com')
  }))
  if (statements.length > 0) {
    await t.iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'inline', PolicyDocument: policyDocument(...statements) }))
  }
  return Role!.Arn!
}

async function register (family: string, containers: ContainerDefinition[],
  more: { executionRoleArn?: string, taskRoleArn?: string, networkMode?: 'bridge' | 'host' | 'awsvpc' | 'none' } = {}): Promise<void> {
  await t.ecs.send(new RegisterTaskDefinitionCommand({ family, networkMode: 'bridge', ...more, containerDefinitions: containers }))
}

async function run (family: string): Promise<Task> {
  const { tasks, failures } = await t.ecs.send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: family }))
  expect(failures).toEqual([])
  return tasks![0]
}

async function describeTask (arn: string): Promise<Task> {
  const { tasks } = await t.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [arn] }))
  return tasks![0]
}

const reaches = async (arn: string, status: string, ms = 20_000): Promise<Task> => {
  let last: Task | undefined
  await until(async () => { last = await describeTask(arn); return last.lastStatus === status },
    () => `task ${arn} to reach ${status}: ${JSON.stringify(last)}`, ms)
  return last!
}

const logsOf = async (group: string, stream: string): Promise<string[]> => {
  const { events } = await t.logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: true }))
  return (events ?? []).map(e => e.message ?? '')
}

describe.skipIf(!hasDocker)(`RunTask on the local Docker engine${DOCKER_SKIP}`, () => {
  beforeAll(async () => {
    await ensureImages()
    await t.ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }))
    agentDir = dirs.make()
    agent = startAgent()
    await agent.connected()
  }, 60_000)

  afterAll(async () => {
    await agent?.stop()
    await removeByLabel(LABELS)
    dirs.cleanup()
  })

  it('runs a bridge HTTP task that a client reaches on its dynamic host port', async () => {
    await register('web', [{
      name: 'web', image: IMAGES.busybox, memory: 32, essential: true,
      command: ['sh', '-c', 'mkdir -p /www && echo hello-from-ecs > /www/index.html && httpd -f -p 8080 -h /www'],
      workingDirectory: '/', portMappings: [{ containerPort: 8080, hostPort: 0 }],
      // httpd under sh is PID 1 and ignores SIGTERM: ECS waits stopTimeout (30 s) before SIGKILL.
      stopTimeout: 2
    }])
    const task = await run('web')
    const running = await reaches(task.taskArn!, 'RUNNING')
    const binding = running.containers![0].networkBindings![0]
    expect(binding).toMatchObject({ containerPort: 8080, protocol: 'tcp' })
    expect(binding.hostPort).toBeGreaterThan(0)
    let body = ''
    await until(async () => {
      body = await fetch(`http://127.0.0.1:${binding.hostPort}/`).then(r => r.text(), () => '')
      return body.includes('hello-from-ecs')
    }, () => `an answer on ${binding.hostPort}`)
    await t.ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: task.taskArn! }))
    const stopped = await reaches(task.taskArn!, 'STOPPED')
    expect(stopped).toMatchObject({ desiredStatus: 'STOPPED', stopCode: 'UserInitiated', stoppedReason: 'Task stopped by user' })
  })

  it('runs a host-mode task on the host\'s network: the container port is the host port', async () => {
    const port = await freePort()
    await register('host-web', [{
      name: 'web', image: IMAGES.busybox, memory: 32, essential: true, stopTimeout: 1,
      command: ['sh', '-c', `mkdir -p /www && echo host-mode > /www/index.html && httpd -f -p 127.0.0.1:${port} -h /www`],
      portMappings: [{ containerPort: port }]
    }], { networkMode: 'host' })
    const task = await run('host-web')
    const running = await reaches(task.taskArn!, 'RUNNING')
    expect(running.containers![0].networkBindings).toEqual([{ bindIP: '0.0.0.0', containerPort: port, hostPort: port, protocol: 'tcp' }])
    let body = ''
    await until(async () => {
      body = await fetch(`http://127.0.0.1:${port}/`).then(r => r.text(), () => '')
      return body.includes('host-mode')
    }, () => `an answer on ${port}`)
    await t.ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: task.taskArn! }))
    await reaches(task.taskArn!, 'STOPPED')
  })

  it('runs an awsvpc task behind its pause container: the ENI carries the task\'s real address, which answers', async () => {
    const subnets = items((await ec2Ok(t.emu.url, 'DescribeSubnets', filters(['default-for-az', ['true']], ['availability-zone', ['us-east-1a']]))).subnetSet)
    await register('vpc-web', [{
      name: 'web', image: IMAGES.busybox, memory: 32, essential: true, stopTimeout: 1,
      command: ['sh', '-c', 'mkdir -p /www && echo awsvpc > /www/index.html && httpd -f -p 8080 -h /www'],
      portMappings: [{ containerPort: 8080 }]
    }], { networkMode: 'awsvpc' })
    const { tasks, failures } = await t.ecs.send(new RunTaskCommand({
      cluster: CLUSTER, taskDefinition: 'vpc-web',
      networkConfiguration: { awsvpcConfiguration: { subnets: [subnets[0].subnetId] } }
    }))
    expect(failures).toEqual([])
    const arn = tasks![0].taskArn!
    let eni: Record<string, string> = {}
    await until(async () => {
      const task = await describeTask(arn)
      eni = Object.fromEntries((task.attachments?.[0]?.details ?? []).map(d => [d.name!, d.value!]))
      return task.lastStatus === 'RUNNING' && task.attachments?.[0]?.status === 'ATTACHED' && eni.privateIPv4Address !== undefined
    }, () => `the task to run with its ENI attached: ${JSON.stringify(eni)}`, 20_000)
    expect(eni).toMatchObject({ subnetId: subnets[0].subnetId })
    const interfaces = items((await ec2Ok(t.emu.url, 'DescribeNetworkInterfaces', filters(['network-interface-id', [eni.networkInterfaceId]]))).networkInterfaceSet)
    expect(interfaces[0]).toMatchObject({ privateIpAddress: eni.privateIPv4Address, status: 'in-use' })
    let body = ''
    await until(async () => {
      body = await fetch(`http://${eni.privateIPv4Address}:8080/`).then(r => r.text(), () => '')
      return body.includes('awsvpc')
    }, () => `an answer on ${eni.privateIPv4Address}:8080`)
    await t.ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: arn }))
    await reaches(arn, 'STOPPED')
    await until(async () => items((await ec2Ok(t.emu.url, 'DescribeNetworkInterfaces', filters(['network-interface-id', [eni.networkInterfaceId]]))).networkInterfaceSet).length === 0,
      'the ENI to be deleted')
  }, 40_000)

  it('runs a task with networkMode none: no network but loopback', async () => {
    await register('no-net', [{ name: 'main', image: IMAGES.busybox, memory: 16, essential: true, command: ['sh', '-c', 'ls /sys/class/net'] }], { networkMode: 'none' })
    const task = await run('no-net')
    const stopped = await reaches(task.taskArn!, 'STOPPED')
    expect(stopped.containers![0]).toMatchObject({ exitCode: 0, networkBindings: [] })
    const info = await dockerode().getContainer(stopped.containers![0].runtimeId!).inspect()
    expect(info.HostConfig.NetworkMode).toBe('none')
  })

  it('stops a task whose essential container exits 3, with the exit code and AWS\'s reason', async () => {
    await register('exits', [{ name: 'main', image: IMAGES.busybox, memory: 16, essential: true, command: ['sh', '-c', 'exit 3'] }])
    const task = await run('exits')
    const stopped = await reaches(task.taskArn!, 'STOPPED')
    expect(stopped).toMatchObject({ stopCode: 'EssentialContainerExited', stoppedReason: 'Essential container in task exited' })
    expect(stopped.containers![0]).toMatchObject({ name: 'main', lastStatus: 'STOPPED', exitCode: 3 })
  })

  it('honours stopTimeout: a container that ignores SIGTERM is killed after it', async () => {
    await register('stubborn', [{
      name: 'main', image: IMAGES.busybox, memory: 16, essential: true, stopTimeout: 2,
      command: ['sh', '-c', 'trap "" TERM; while true; do sleep 1; done']
    }])
    const task = await run('stubborn')
    await reaches(task.taskArn!, 'RUNNING')
    const t0 = Date.now()
    await t.ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: task.taskArn!, reason: 'drill' }))
    const stopped = await reaches(task.taskArn!, 'STOPPED')
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2000)
    expect(stopped).toMatchObject({ stopCode: 'UserInitiated', stoppedReason: 'drill' })
    expect(stopped.containers![0].exitCode).toBe(137)
  })

  it('gives the application its task role: the SDK in the container signs as assumed-role/ROLE/TASK_ID, no key in its environment', async () => {
    const executionRoleArn = await role('runtime-exec', [{ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' }])
    const taskRoleArn = await role('runtime-app', [{ Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' }])
    await t.logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/app' }))
    const script = [
      "const { STSClient, GetCallerIdentityCommand } = require('@aws-sdk/client-sts')",
      "const { ECSClient, ListClustersCommand } = require('@aws-sdk/client-ecs')",
      "console.log('key in env: ' + (process.env.AWS_ACCESS_KEY_ID !== undefined))",
      ';(async () => {',
      "  const id = await new STSClient({}).send(new GetCallerIdentityCommand({}))",
      "  console.log('caller: ' + id.Arn)",
      "  try { await new ECSClient({}).send(new ListClustersCommand({})); console.log('listed') }",
      "  catch (e) { console.log('denied: ' + e.name) }",
      '})()'
    ].join('\n')
    await register('app', [{
      name: 'app', image: IMAGES.node, memory: 128, essential: true, command: ['node', '-e', script],
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/app', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'ecs' } }
    }], { executionRoleArn, taskRoleArn })
    const task = await run('app')
    const stopped = await reaches(task.taskArn!, 'STOPPED', 40_000)
    expect(stopped.containers![0].exitCode).toBe(0)
    const taskId = task.taskArn!.split('/').pop()!
    // (The SDK's own warnings about Node 20 go to stderr, and so into the stream too.)
    const lines = (await logsOf('/ecs/app', `ecs/app/${taskId}`)).filter(l => /^(key in env|caller|denied|listed)/.test(l))
    expect(lines).toEqual([
      'key in env: false',
      `caller: arn:aws:sts::${ACCOUNT}:assumed-role/runtime-app/${taskId}`,
      'denied: AccessDeniedException'
    ])
    const denied = t.emu.emulator.decisions.query({ principal: `arn:aws:sts::${ACCOUNT}:assumed-role/runtime-app/${taskId}`, decision: 'ImplicitDeny' })
    expect(denied.map(d => d.action)).toEqual(['ecs:ListClusters'])
  }, 60_000)

  it('stops a task whose execution role may not create its log stream, with AWS\'s text, linked to the denial', async () => {
    const executionRoleArn = await role('runtime-exec-nologs', [{ Effect: 'Allow', Action: 'logs:PutLogEvents', Resource: '*' }])
    await t.logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/nologs' }))
    await register('nologs', [{
      name: 'main', image: IMAGES.busybox, memory: 16, essential: true, command: ['echo', 'never'],
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/nologs', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'ecs' } }
    }], { executionRoleArn })
    const task = await run('nologs')
    const taskId = task.taskArn!.split('/').pop()!
    const stopped = await reaches(task.taskArn!, 'STOPPED')
    const who = `arn:aws:sts::${ACCOUNT}:assumed-role/runtime-exec-nologs/${taskId}`
    const stream = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/ecs/nologs:log-stream:ecs/main/${taskId}`
    expect(stopped.stopCode).toBe('TaskFailedToStart')
    expect(stopped.stoppedReason).toMatch(/^CannotStartContainerError: Error response from daemon: failed to initialize logging driver: failed to create Cloudwatch log stream: /)
    expect(stopped.stoppedReason).toContain(`AccessDeniedException: User: ${who} is not authorized to perform: logs:CreateLogStream on resource: ${stream} because no identity-based policy allows the logs:CreateLogStream action`)
    const why = await fetch(`${t.emu.url}/_emulator/tasks?arn=${encodeURIComponent(task.taskArn!)}`).then(r => r.json()) as {
      stoppedBy?: { action: string, principal: string, decision: string }, decisions: { action: string }[]
    }
    expect(why.stoppedBy).toMatchObject({ action: 'logs:CreateLogStream', principal: who, decision: 'ImplicitDeny' })
    expect(why.decisions.map(d => d.action)).toContain('logs:CreateLogStream')
  })

  it('injects a Secrets Manager secret (a JSON key of it) as an environment variable', async () => {
    const { ARN } = await t.secretsmanager.send(new CreateSecretCommand({ Name: 'runtime/db', SecretString: '{"password":"s3cret"}' }))
    const executionRoleArn = await role('runtime-exec-secrets', [
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: ARN },
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' }
    ])
    await t.logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/secrets' }))
    await register('secrets', [{
      name: 'main', image: IMAGES.busybox, memory: 16, essential: true, command: ['sh', '-c', 'echo "password=$DB_PASSWORD"'],
      secrets: [{ name: 'DB_PASSWORD', valueFrom: `${ARN}:password::` }],
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/secrets', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'ecs' } }
    }], { executionRoleArn })
    const task = await run('secrets')
    const stopped = await reaches(task.taskArn!, 'STOPPED')
    expect(stopped.containers![0].exitCode).toBe(0)
    expect(await logsOf('/ecs/secrets', `ecs/main/${task.taskArn!.split('/').pop()}`)).toEqual(['password=s3cret'])
  })

  it('pulls an ECR image as the execution role: refused without ecr:GetAuthorizationToken, run with it', async () => {
    const repository = `runtime-app-${Date.now()}`
    await t.ecr.send(new CreateRepositoryCommand({ repositoryName: repository }))
    const uri = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/${repository}`
    await dockerode().getImage(IMAGES.busybox).tag({ repo: uri, tag: '1' })
    try {
      const executionRoleArn = await role('runtime-exec-ecr', [])
      await register('ecr-app', [{ name: 'main', image: `${uri}:1`, memory: 16, essential: true, command: ['echo', 'pulled'] }], { executionRoleArn })
      const refused = await reaches((await run('ecr-app')).taskArn!, 'STOPPED')
      const taskId = refused.taskArn!.split('/').pop()!
      expect(refused.stopCode).toBe('TaskFailedToStart')
      expect(refused.containers![0].reason).toMatch(/^CannotPullECRContainerError: operation error ECR: GetAuthorizationToken, https response error StatusCode: 400, RequestID: [0-9a-f-]+, api error AccessDeniedException: /)
      expect(refused.containers![0].reason).toContain(`User: arn:aws:sts::${ACCOUNT}:assumed-role/runtime-exec-ecr/${taskId} is not authorized to perform: ecr:GetAuthorizationToken on resource: * because no identity-based policy allows the ecr:GetAuthorizationToken action`)

      await t.iam.send(new PutRolePolicyCommand({ RoleName: 'runtime-exec-ecr', PolicyName: 'pull', PolicyDocument: policyDocument(
        { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
        { Effect: 'Allow', Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'], Resource: `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/${repository}` }
      ) }))
      const ran = await reaches((await run('ecr-app')).taskArn!, 'STOPPED')
      expect(ran).toMatchObject({ stopCode: 'EssentialContainerExited' })
      expect(ran.containers![0]).toMatchObject({ exitCode: 0, image: `${uri}:1` })
    } finally {
      await dockerode().getImage(`${uri}:1`).remove().catch(() => {})
    }
  }, 40_000)

  it('starts a container that dependsOn HEALTHY only once the other one is healthy', async () => {
    await register('healthy', [
      {
        name: 'db', image: IMAGES.busybox, memory: 16, essential: true, stopTimeout: 1,
        command: ['sh', '-c', 'sleep 1; touch /tmp/ready; exec sleep 600'],
        healthCheck: { command: ['CMD-SHELL', 'test -f /tmp/ready'], interval: 5, timeout: 2, retries: 3 }
      },
      { name: 'app', image: IMAGES.busybox, memory: 16, essential: true, stopTimeout: 1, command: ['sleep', '600'], dependsOn: [{ containerName: 'db', condition: 'HEALTHY' }] }
    ])
    const task = await run('healthy')
    const running = await reaches(task.taskArn!, 'RUNNING', 30_000)
    const byName = Object.fromEntries(running.containers!.map(c => [c.name, c]))
    expect(byName.db.healthStatus).toBe('HEALTHY')
    const started = async (id: string) => Date.parse((await dockerode().getContainer(id).inspect()).State.StartedAt)
    const [db, app] = [await started(byName.db.runtimeId!), await started(byName.app.runtimeId!)]
    expect(app - db).toBeGreaterThanOrEqual(1000) // app waited for db's first passing check
    await t.ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: task.taskArn! }))
    await reaches(task.taskArn!, 'STOPPED')
  }, 40_000)

  it('keeps a running task through an agent restart: adopted, not started again', async () => {
    await register('long', [{ name: 'main', image: IMAGES.busybox, memory: 16, essential: true, command: ['sleep', '600'], stopTimeout: 1 }])
    const task = await run('long')
    const before = await reaches(task.taskArn!, 'RUNNING')
    await agent.stop()
    agent = startAgent()
    await agent.connected()
    const after = await describeTask(task.taskArn!)
    expect(after.lastStatus).toBe('RUNNING')
    expect(after.containers![0].runtimeId).toBe(before.containers![0].runtimeId)
    await t.ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: task.taskArn! }))
    await reaches(task.taskArn!, 'STOPPED')
  }, 60_000)
})
