/**
 * examples/gitlab-runner at run time: the corrected card runs on Fargate (the built-in
 * capacity: an agent started with fargateCapacity) with the stand-in image, an EFS file system
 * holding its config.toml and its awslogs stream; each run-time defect of the card as found
 * fails the task as AWS fails it (the README's "What running it says" lists the same texts).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pino from 'pino'
import {
  DescribeTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand, type Task
} from '@aws-sdk/client-ecs'
import { CreateLogGroupCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs'
import { AttachRolePolicyCommand, CreateRoleCommand } from '@aws-sdk/client-iam'
import { runAgent, type RunningAgent } from '../../agent/main.js'
import { DOCKER_SKIP, ensureImages, hasDocker, removeByLabel, testRunLabel } from '../support/docker.js'
import { useEmulator } from '../support/emulator.js'
import { ACCOUNT, trustService } from '../support/fixtures.js'
import { dataDirs, until } from '../agent/fake-engine.js'
import { ec2Ok, filters, items } from '../ec2/client.js'

const LABELS = testRunLabel('gitlab-runner-run')
const CLUSTER = 'default'
const GROUP = '/ecs/gitlab-runner'
const EXECUTION_POLICY = 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy'
const CONFIG = `concurrent = 1

[[runners]]
  name = "fargate"
  url = "https://gitlab.example.com"
  token = "glrt-not-a-real-token"
  executor = "shell"
`

// What a task that fails shows as its stoppedReason (and its container's reason).
const REGION_TEXT = "ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: MissingEndpoint: 'Endpoint' configuration is required for this service : exit status 1"
const NO_GROUP_TEXT = 'ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: ResourceNotFoundException: The specified log group does not exist. : exit status 1'
const EFS_UTILS = 'ResourceInitializationError: failed to invoke EFS utils commands to set up EFS volumes: stderr: '
const resolveText = (id: string): string => `${EFS_UTILS}Failed to resolve "${id}.efs.us-east-1.amazonaws.com" - check that your file system ID is correct, and ensure that the VPC has an EFS mount target for this file system ID. See https://docs.aws.amazon.com/console/efs/mount-dns-name for more detail. Attempting to lookup mount target ip address using botocore. Failed to import necessary dependency botocore, please install botocore first. : unsuccessful EFS utils command execution; code: 1`
const noDirectoryText = (path: string): string => `${EFS_UTILS}b'mount.nfs4: mounting 127.0.0.1:${path} failed, reason given by server: No such file or directory' : unsuccessful EFS utils command execution; code: 32`

const card = (name: string): any =>
  JSON.parse(readFileSync(new URL(`../../examples/gitlab-runner/${name}`, import.meta.url), 'utf8'))

const t = useEmulator({ agent: false })
const dirs = dataDirs()
let agent: RunningAgent
let subnetId: string
let fileSystemId: string

const quiet = pino({ level: process.env.ECS_EMULATOR_TEST_LOG ?? 'silent' })

/** The corrected card, with the file system the test made. */
function fixedCard (): any {
  const td = card('task-definition.fixed.json')
  td.volumes[0].efsVolumeConfiguration.fileSystemId = fileSystemId
  return td
}

/** The card as found with the registration fixes of the README's first table. */
function registrationFixed (): any {
  const td = card('task-definition.json')
  td.taskRoleArn = td.taskRoleArn.replace('your-account-id', ACCOUNT)
  td.cpu = '1024'
  td.memory = '2048'
  const c = td.containerDefinitions[0]
  c.mountPoints = c.mountPoints.filter((m: any) => m.sourceVolume !== 'docker-socket')
  td.executionRoleArn = td.taskRoleArn
  return td
}

async function run (td: any): Promise<Task> {
  const { taskDefinition } = await t.ecs.send(new RegisterTaskDefinitionCommand(td))
  const { tasks, failures } = await t.ecs.send(new RunTaskCommand({
    cluster: CLUSTER,
    taskDefinition: taskDefinition!.taskDefinitionArn,
    launchType: 'FARGATE',
    networkConfiguration: { awsvpcConfiguration: { subnets: [subnetId], assignPublicIp: 'ENABLED' } }
  }))
  expect(failures).toEqual([])
  return tasks![0]
}

async function describeTask (arn: string): Promise<Task> {
  const { tasks } = await t.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [arn] }))
  return tasks![0]
}

async function reaches (arn: string, status: string, ms = 20_000): Promise<Task> {
  let last: Task | undefined
  await until(async () => { last = await describeTask(arn); return last.lastStatus === status },
    () => `task ${arn} to reach ${status}: ${JSON.stringify(last)}`, ms)
  return last!
}

const taskIdOf = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1)

async function logLines (taskArn: string): Promise<string[]> {
  const { events } = await t.logs.send(new GetLogEventsCommand({
    logGroupName: GROUP, logStreamName: `ecs/gitlab-runner/${taskIdOf(taskArn)}`, startFromHead: true
  }))
  return (events ?? []).map(e => e.message ?? '')
}

/** Waits until the task's log stream has a line containing `text`; resolves with every line. */
async function logged (taskArn: string, text: string): Promise<string[]> {
  let lines: string[] = []
  await until(async () => {
    lines = await logLines(taskArn)
    return lines.some(l => l.includes(text))
  }, () => `"${text}" in the log of ${taskArn}; have ${JSON.stringify(lines)}`)
  return lines
}

const taskFailedToStart = (reason: string) => ({
  lastStatus: 'STOPPED', stopCode: 'TaskFailedToStart', stoppedReason: reason, containerReason: reason, exitCode: undefined
})

/** What a task that failed to start shows, as DescribeTasks reads. */
const failedToStart = (task: Task) => ({
  lastStatus: task.lastStatus,
  stopCode: task.stopCode,
  stoppedReason: task.stoppedReason,
  containerReason: task.containers![0].reason,
  exitCode: task.containers![0].exitCode
})

/**
 * How a run ends: its stoppedReason (with the exit code after an exit), or RUNNING once the
 * runner says it waits (then the task is stopped).
 */
async function outcome (task: Task): Promise<string> {
  let answer: string | undefined
  await until(async () => {
    const now = await describeTask(task.taskArn!)
    if (now.lastStatus === 'STOPPED') {
      const code = now.containers![0].exitCode
      answer = `${now.stoppedReason!}${code === undefined ? '' : ` (exit code ${code})`}`
    } else if (now.lastStatus === 'RUNNING') {
      const lines = await logLines(task.taskArn!)
      if (lines.some(l => l.includes('waiting for a signal'))) answer = 'RUNNING'
    }
    return answer
  }, `task ${task.taskArn!} to stop or run`, 20_000)
  if (answer === 'RUNNING') {
    await t.ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: task.taskArn! }))
    await reaches(task.taskArn!, 'STOPPED')
  }
  return answer!
}

describe.skipIf(!hasDocker)(`examples/gitlab-runner on Fargate${DOCKER_SKIP}`, () => {
  beforeAll(async () => {
    await ensureImages()
    for (const [name, policy] of [['ecsTaskExecutionRole', EXECUTION_POLICY], ['gitlabRunnerTaskRole', undefined]]) {
      await t.iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trustService('ecs-tasks.amazonaws.com') }))
      if (policy !== undefined) await t.iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: policy }))
    }
    await t.logs.send(new CreateLogGroupCommand({ logGroupName: GROUP }))

    const subnets = await ec2Ok(t.emu.url, 'DescribeSubnets', filters(['default-for-az', ['true']], ['availability-zone', ['us-east-1a']]))
    subnetId = items(subnets.subnetSet)[0].subnetId
    fileSystemId = (await t.efs.send('CreateFileSystem', { CreationToken: 'gitlab-runner-config', Encrypted: true })).FileSystemId
    await t.efs.send('CreateMountTarget', { FileSystemId: fileSystemId, SubnetId: subnetId })
    // What a one-off task (or an EC2 host) mounting the file system would have put there.
    const dir = join(t.emu.emulator.efs.storage.directory(fileSystemId), 'gitlab-runner-config')
    mkdirSync(dir)
    writeFileSync(join(dir, 'config.toml'), CONFIG)

    agent = runAgent({
      endpoint: t.emu.url, cluster: CLUSTER, dataDir: dirs.make(), labels: LABELS, fargateCapacity: true,
      timeScale: 0.01, log: quiet
    })
    await agent.connected()
  }, 60_000)

  afterAll(async () => {
    try {
      await agent?.stop()
    } finally {
      await removeByLabel(LABELS)
      dirs.cleanup()
    }
  }, 30_000)

  it('runs the corrected card: RUNNING, the runner\'s start lines in its log stream, stopped by StopTask', async () => {
    const task = await run(fixedCard())
    const running = await reaches(task.taskArn!, 'RUNNING')
    expect(running).toMatchObject({ launchType: 'FARGATE', desiredStatus: 'RUNNING' })

    const lines = await logged(task.taskArn!, 'would run up to 1 job(s)')
    expect(lines[0]).toMatch(/^Runtime platform +arch=amd64 os=linux pid=\d+ revision=stand-in version=/)
    expect(lines.slice(1)).toEqual([
      'Configuration loaded from /etc/gitlab-runner/config.toml  runner=fargate',
      'Starting runner for https://gitlab.example.com with token *** ...  max_builds=1',
      '(stand-in) would run up to 1 job(s) and exit; waiting for a signal instead'
    ])

    // The image's STOPSIGNAL is SIGQUIT: the runner shuts down gracefully at once, exit 0.
    const asked = Date.now()
    await t.ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: task.taskArn! }))
    const stopped = await reaches(task.taskArn!, 'STOPPED')
    expect(Date.now() - asked).toBeLessThan(10_000)
    expect(stopped).toMatchObject({ stopCode: 'UserInitiated', stoppedReason: 'Task stopped by user' })
    expect(stopped.containers![0]).toMatchObject({ lastStatus: 'STOPPED', exitCode: 0 })
    expect(await logged(task.taskArn!, 'Graceful shutdown done')).toContain('Starting graceful shutdown...  builds=0')
  })

  describe('each run-time defect of the card as found, put back alone into the corrected card', () => {
    it('the command as one argument: the runner exits 1 with its FATAL line', async () => {
      const td = fixedCard()
      td.containerDefinitions[0].command = registrationFixed().containerDefinitions[0].command
      expect(td.containerDefinitions[0].command).toEqual(['gitlab-runner run --max-builds 1'])
      const task = await run(td)

      const stopped = await reaches(task.taskArn!, 'STOPPED')
      expect(stopped).toMatchObject({ stopCode: 'EssentialContainerExited', stoppedReason: 'Essential container in task exited' })
      expect(stopped.containers![0]).toMatchObject({ lastStatus: 'STOPPED', exitCode: 1 })
      expect(await logged(task.taskArn!, 'FATAL')).toContain('FATAL: Command gitlab-runner run --max-builds 1 not found.')
    })

    it('awslogs-region "${AWS_REGION}": TaskFailedToStart, the log driver cannot find the region', async () => {
      const td = fixedCard()
      td.containerDefinitions[0].logConfiguration.options['awslogs-region'] = '${AWS_REGION}'
      const task = await run(td)

      expect(failedToStart(await reaches(task.taskArn!, 'STOPPED'))).toEqual(taskFailedToStart(REGION_TEXT))
    })

    it('the example file system id: TaskFailedToStart, its name does not resolve', async () => {
      const td = fixedCard()
      td.volumes[0].efsVolumeConfiguration.fileSystemId = registrationFixed().volumes[0].efsVolumeConfiguration.fileSystemId
      const id = td.volumes[0].efsVolumeConfiguration.fileSystemId
      const task = await run(td)

      expect(id).toBe('fs-1234abcd')
      expect(failedToStart(await reaches(task.taskArn!, 'STOPPED'))).toEqual(taskFailedToStart(resolveText(id)))
    })

    it('a log group that does not exist: TaskFailedToStart, the stream cannot be created', async () => {
      const td = fixedCard()
      td.containerDefinitions[0].logConfiguration.options['awslogs-group'] = '/ecs/gitlab-runner-missing'
      const task = await run(td)

      expect(failedToStart(await reaches(task.taskArn!, 'STOPPED'))).toEqual(taskFailedToStart(NO_GROUP_TEXT))
    })

    it('a file system without the rootDirectory: TaskFailedToStart, the mount finds no such directory', async () => {
      const empty = (await t.efs.send('CreateFileSystem', { CreationToken: 'gitlab-runner-empty' })).FileSystemId
      await t.efs.send('CreateMountTarget', { FileSystemId: empty, SubnetId: subnetId })
      const td = fixedCard()
      td.volumes[0].efsVolumeConfiguration.fileSystemId = empty
      const task = await run(td)

      expect(failedToStart(await reaches(task.taskArn!, 'STOPPED'))).toEqual(taskFailedToStart(noDirectoryText('/gitlab-runner-config')))
    })
  })

  it('walks the card as found, after the registration fixes, to a running runner: one run-time fix at a time', async () => {
    const td = registrationFixed()
    const c = td.containerDefinitions[0]
    const steps: { fix: string, apply: () => void, answer: string }[] = [
      { fix: 'nothing yet: the registered card', apply: () => {}, answer: resolveText('fs-1234abcd') },
      {
        fix: 'the id of a file system that exists, with a mount target in the subnet',
        apply: () => { td.volumes[0].efsVolumeConfiguration.fileSystemId = fileSystemId },
        answer: REGION_TEXT
      },
      {
        fix: 'awslogs-region us-east-1',
        apply: () => { c.logConfiguration.options['awslogs-region'] = 'us-east-1' },
        answer: 'Essential container in task exited (exit code 1)'
      },
      {
        fix: 'the command as run-single\'s words',
        apply: () => { c.command = fixedCard().containerDefinitions[0].command },
        answer: 'RUNNING'
      }
    ]
    for (const step of steps) {
      step.apply()
      const answer = await outcome(await run(td))
      expect({ fix: step.fix, answer }).toEqual({ fix: step.fix, answer: step.answer })
    }
  })
})
