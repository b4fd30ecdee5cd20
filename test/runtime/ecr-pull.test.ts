/**
 * Tasks whose image was pushed to the emulator's ECR registry: the agent pulls it with the
 * execution role's registry password, and each refusal stops the task in the agent's words.
 * The image is pushed with the real CLIs (`aws ecr get-login-password | docker login`,
 * `docker push`) to the repositoryUri CreateRepository answers (`127.0.0.1:PORT/pulled`) and
 * removed locally, so that only the registry has it. Tasks name it by that URI; one names it
 * by AWS's host (`ACCOUNT.dkr.ecr.REGION.amazonaws.com/pulled`), which reaches the same registry.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pino from 'pino'
import {
  CreateClusterCommand, DescribeTasksCommand, RegisterTaskDefinitionCommand, RunTaskCommand, type Task
} from '@aws-sdk/client-ecs'
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam'
import { CreateRepositoryCommand, SetRepositoryPolicyCommand } from '@aws-sdk/client-ecr'
import { DescribeSubnetsCommand, EC2Client } from '@aws-sdk/client-ec2'
import { runAgent, type RunningAgent } from '../../agent/main.js'
import { aws, CLIS, NO_CLI } from '../support/cli.js'
import { DOCKER_SKIP, IMAGES, ensureImages, hasDocker, removeByLabel, testRunLabel } from '../support/docker.js'
import { useEmulator } from '../support/emulator.js'
import { ACCOUNT, policyDocument, trustService } from '../support/fixtures.js'
import { dataDirs, until } from '../agent/fake-engine.js'

const CLUSTER = 'pulls'
const LABELS = testRunLabel('runtime-ecr-pull')
const SKIP = DOCKER_SKIP !== '' ? DOCKER_SKIP : (CLIS.length === 0 ? ` (skipped: ${NO_CLI})` : '')
const t = useEmulator({ agent: false })
const dirs = dataDirs()
const temporary: string[] = []
let agent: RunningAgent | undefined

const ECR_HOST = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`
const AWS_STYLE_IMAGE = `${ECR_HOST}/pulled:v1`
/** The repositoryUri's host (`127.0.0.1:PORT`) and the image under it, once the repository exists. */
let HOST = ''
let IMAGE = ''
const REPOSITORY_ARN = `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/pulled`

async function docker (args: string[], env: Record<string, string> = {}, input?: string): Promise<{ status: number, stdout: string, stderr: string }> {
  return await new Promise(resolve => {
    const child = execFile('docker', args, { encoding: 'utf8', timeout: 120_000, env: { ...process.env, DOCKER_BUILDKIT: '0', ...env } },
      (error, stdout, stderr) => resolve({ status: error === null ? 0 : (child.exitCode ?? 1), stdout, stderr }))
    if (input !== undefined) child.stdin?.end(input)
  })
}

const LOGS = ['logs:CreateLogStream', 'logs:PutLogEvents']
async function executionRole (name: string, actions: string[]): Promise<string> {
  const { Role } = await t.iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trustService('ecs-tasks.amazonaws.com') }))
  await t.iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'pull', PolicyDocument: policyDocument({ Effect: 'Allow', Action: [...actions, ...LOGS], Resource: '*' }) }))
  return Role!.Arn!
}

const ALL = ['ecr:GetAuthorizationToken', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability']

async function run (family: string, executionRoleArn: string, image = IMAGE): Promise<Task> {
  await t.ecs.send(new RegisterTaskDefinitionCommand({
    family, executionRoleArn, networkMode: 'bridge',
    containerDefinitions: [{ name: 'app', image, memory: 32, essential: true, stopTimeout: 1, command: ['sh', '-c', 'cat /marker.txt && sleep 300'] }]
  }))
  const { tasks } = await t.ecs.send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: family }))
  return tasks![0]
}

/** The same image on Fargate (awsvpc, on an agent with Fargate capacity). */
async function runFargate (family: string, executionRoleArn: string): Promise<Task> {
  await t.ecs.send(new RegisterTaskDefinitionCommand({
    family, executionRoleArn, networkMode: 'awsvpc', requiresCompatibilities: ['FARGATE'], cpu: '256', memory: '512',
    containerDefinitions: [{ name: 'app', image: IMAGE, essential: true, stopTimeout: 1, command: ['sh', '-c', 'sleep 300'] }]
  }))
  const ec2 = new EC2Client({ endpoint: t.emu.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } })
  const { Subnets } = await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'default-for-az', Values: ['true'] }] }))
  const { tasks } = await t.ecs.send(new RunTaskCommand({
    cluster: CLUSTER, taskDefinition: family, launchType: 'FARGATE',
    networkConfiguration: { awsvpcConfiguration: { subnets: [Subnets![0].SubnetId!] } }
  }))
  return tasks![0]
}

async function settles (arn: string, status: 'RUNNING' | 'STOPPED'): Promise<Task> {
  let last: Task | undefined
  await until(async () => {
    last = (await t.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [arn] }))).tasks![0]
    return last.lastStatus === status || last.lastStatus === 'STOPPED'
  }, () => `task to reach ${status}: ${JSON.stringify(last)}`, 60_000)
  return last!
}

describe.skipIf(!hasDocker || CLIS.length === 0)(`tasks pull pushed ECR images through the registry${SKIP}`, () => {
  beforeAll(async () => {
    await ensureImages()
    await t.ecs.send(new CreateClusterCommand({ clusterName: CLUSTER }))
    const { repository } = await t.ecr.send(new CreateRepositoryCommand({ repositoryName: 'pulled' }))
    HOST = `127.0.0.1:${t.emu.emulator.registry.port!}`
    expect(repository!.repositoryUri).toBe(`${HOST}/pulled`)
    IMAGE = `${repository!.repositoryUri!}:v1`
    const host = HOST
    const context = mkdtempSync(join(tmpdir(), 'ecs-emulator-pull-build-'))
    const config = mkdtempSync(join(tmpdir(), 'ecs-emulator-pull-config-'))
    temporary.push(context, config)
    writeFileSync(join(context, 'Dockerfile'), `FROM ${IMAGES.busybox}\nCOPY marker.txt /marker.txt\n`)
    writeFileSync(join(context, 'marker.txt'), `pushed ${Date.now()}\n`)
    const labels = Object.entries(LABELS).flatMap(([k, v]) => ['--label', `${k}=${v}`])
    const remote = IMAGE
    expect((await docker(['build', '-q', ...labels, '-t', remote, context])).status).toBe(0)
    const password = await aws(CLIS[0], t.emu.url, ['ecr', 'get-login-password'])
    expect((await docker(['login', '--username', 'AWS', '--password-stdin', host], { DOCKER_CONFIG: config }, password.stdout.trim())).status).toBe(0)
    const pushed = await docker(['push', remote], { DOCKER_CONFIG: config })
    expect(pushed.status, pushed.stderr).toBe(0)
    await docker(['rmi', remote])
    agent = runAgent({ endpoint: t.emu.url, cluster: CLUSTER, dataDir: dirs.make(), labels: LABELS, timeScale: 0.01, fargateCapacity: true, log: pino({ level: 'silent' }) })
    await agent.connected()
  }, 180_000)

  afterAll(async () => {
    await agent?.stop()
    await removeByLabel(LABELS)
    await docker(['rmi', '-f', IMAGE, AWS_STYLE_IMAGE])
    for (const dir of temporary) rmSync(dir, { recursive: true, force: true })
    dirs.cleanup()
  })

  // Each refusal first, while the image is in the registry only; the pull that works last.
  it('stops the task when the execution role lacks ecr:BatchGetImage, in the agent\'s words', async () => {
    const role = await executionRole('pullNoManifest', ALL.filter(a => a !== 'ecr:BatchGetImage'))
    const task = await settles((await run('no-manifest', role)).taskArn!, 'STOPPED')
    expect(task.stopCode).toBe('TaskFailedToStart')
    expect(task.containers![0].reason).toBe(`CannotPullContainerError: The task can’t pull the image. Check that the role has the permissions to pull images from the registry. Error response from daemon: pull access denied for ${HOST}/pulled, repository does not exist or may require 'docker login': denied: User: arn:aws:sts::${ACCOUNT}:assumed-role/pullNoManifest/${task.taskArn!.split('/').pop()} is not authorized to perform: ecr:BatchGetImage on resource: ${REPOSITORY_ARN} because no identity-based policy allows the ecr:BatchGetImage action`)
  }, 90_000)

  it('stops a Fargate task that cannot fetch the manifest with CannotPullContainerError (inferred: reference 3.1 marks the wording unconfirmed)', async () => {
    const role = await executionRole('pullNoManifestFargate', ALL.filter(a => a !== 'ecr:BatchGetImage'))
    const task = await settles((await runFargate('no-manifest-fargate', role)).taskArn!, 'STOPPED')
    expect(task.stopCode).toBe('TaskFailedToStart')
    expect(task.stoppedReason).toBe(`CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref ${IMAGE}: pulling from host ${HOST} failed with status code [manifests v1]: 403 Forbidden`)
  }, 90_000)

  it('fails at the layer download when the role lacks ecr:GetDownloadUrlForLayer', async () => {
    const role = await executionRole('pullNoLayers', ALL.filter(a => a !== 'ecr:GetDownloadUrlForLayer'))
    const task = await settles((await run('no-layers', role)).taskArn!, 'STOPPED')
    expect(task.containers![0].reason).toMatch(/^CannotPullContainerError: Error response from daemon: /)
    expect(task.containers![0].reason).toContain('is not authorized to perform: ecr:GetDownloadUrlForLayer')
  }, 90_000)

  it('lets a repository policy that denies the role win over its identity policy', async () => {
    const role = await executionRole('pullDenied', ALL)
    await t.ecr.send(new SetRepositoryPolicyCommand({
      repositoryName: 'pulled',
      policyText: policyDocument({ Effect: 'Deny', Principal: { AWS: role }, Action: 'ecr:BatchGetImage' })
    }))
    try {
      const task = await settles((await run('denied', role)).taskArn!, 'STOPPED')
      expect(task.containers![0].reason).toContain(`is not authorized to perform: ecr:BatchGetImage on resource: ${REPOSITORY_ARN} with an explicit deny in a resource-based policy`)
    } finally {
      await t.ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'pulled', policyText: policyDocument({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'ecr:BatchGetImage' }) }))
    }
  }, 90_000)

  it('pulls the image through the registry as the execution role and runs it', async () => {
    const role = await executionRole('pullAll', ALL)
    const task = await settles((await run('pulls', role)).taskArn!, 'RUNNING')
    expect(task.lastStatus).toBe('RUNNING')
    const inspected = await docker(['image', 'inspect', '--format', '{{index .Config.Labels "ecs-emulator.test-scope"}}', IMAGE])
    expect(inspected.stdout.trim()).toBe('runtime-ecr-pull')
    expect(task.containers![0].image).toBe(IMAGE)
    const decisions = await (await fetch(`${t.emu.url}/_emulator/decisions?action=ecr:GetDownloadUrlForLayer&principal=${encodeURIComponent(`arn:aws:sts::${ACCOUNT}:assumed-role/pullAll/${task.taskArn!.split('/').pop()}`)}`)).json() as { decisions?: unknown[] } | unknown[]
    const list = Array.isArray(decisions) ? decisions : decisions.decisions ?? []
    expect(list.length).toBeGreaterThan(0)
  }, 90_000)

  it('pulls it again for the next task, through the registry, though it is now local', async () => {
    const role = await executionRole('pullAgainNoManifest', ALL.filter(a => a !== 'ecr:BatchGetImage'))
    const task = await settles((await run('pulls-again', role)).taskArn!, 'STOPPED')
    expect(task.containers![0].reason).toContain('is not authorized to perform: ecr:BatchGetImage')
  }, 90_000)

  it('pulls the same image named by AWS\'s host through the registry', async () => {
    const role = await executionRole('pullAwsName', ALL)
    const task = await settles((await run('aws-name', role, AWS_STYLE_IMAGE)).taskArn!, 'RUNNING')
    expect(task.lastStatus).toBe('RUNNING')
    expect(task.containers![0].image).toBe(AWS_STYLE_IMAGE)
  }, 90_000)
})
