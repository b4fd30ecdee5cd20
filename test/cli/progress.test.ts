/**
 * What `up`'s log says while work happens: a pull's progress (summed over its layers, at most
 * every 2 s), each status a task reaches, and every service event as the scheduler adds it
 * (against an emulator with an agent on the local Docker engine).
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import pino from 'pino'
import { CreateRepositoryCommand, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr'
import {
  CreateServiceCommand, DeleteServiceCommand, DescribeServicesCommand, DescribeTasksCommand,
  RegisterTaskDefinitionCommand, RunTaskCommand, StopTaskCommand, type ContainerDefinition
} from '@aws-sdk/client-ecs'
import { PullProgress, followProgress, megabytes, type ProgressEvent } from '../../agent/docker-progress.js'
import { clientFactory } from '../../agent/startup/clients.js'
import { resolveImage } from '../../agent/startup/images.js'
import { until } from '../agent/fake-engine.js'
import { ec2Ok, filters, items } from '../ec2/client.js'
import { useAgent } from '../support/agent.js'
import { DOCKER_SKIP, IMAGES, dockerode, hasDocker, testRunLabel } from '../support/docker.js'
import { ACCOUNT } from '../support/fixtures.js'
import { useEmulator } from '../support/emulator.js'

describe('PullProgress', () => {
  const downloading = (id: string, current: number, total: number): ProgressEvent =>
    ({ id, status: 'Downloading', progressDetail: { current, total } })

  it('sums the layers\' downloaded bytes, at most once per interval and only when they moved', () => {
    let now = 1000
    const p = new PullProgress(2000, () => now)
    const told: Array<string | undefined> = []
    const add = (e: ProgressEvent, at: number): void => {
      now = at
      const t = p.add(e)
      told.push(t === undefined ? undefined : megabytes(t))
    }
    add({ id: 'a', status: 'Pulling fs layer' }, 1000)
    add(downloading('a', 1_000_000, 40_000_000), 1500)
    add(downloading('b', 2_000_000, 18_000_000), 2999) // 1999 ms since the start: not yet
    add(downloading('a', 10_300_000, 40_000_000), 3000) // 2 s: told
    add(downloading('b', 3_000_000, 18_000_000), 4000) // 1 s after: not yet
    add({ id: 'a', status: 'Extracting', progressDetail: { current: 5, total: 40 } }, 6000) // not counted
    add({ id: 'b', status: 'Download complete' }, 6500) // b at 18 MB, 3.5 s after: told
    add({ id: 'b', status: 'Pull complete' }, 9000) // nothing moved
    expect(told).toEqual([undefined, undefined, undefined, '12.3 of 58.0 MB', undefined, undefined,
      '28.3 of 58.0 MB', undefined])
    expect(p.totals()).toEqual({ current: 28_300_000, total: 58_000_000 })
  })

  it('tells nothing for a stalled pull: the same bytes again are no progress', () => {
    let now = 0
    const p = new PullProgress(2000, () => now)
    now = 2500
    expect(p.add(downloading('a', 5_000_000, 9_000_000))).toEqual({ current: 5_000_000, total: 9_000_000 })
    now = 9000
    expect(p.add(downloading('a', 5_000_000, 9_000_000))).toBeUndefined()
    expect(p.add({ status: 'Digest: sha256:00' })).toBeUndefined()
  })
})

type Line = Record<string, unknown> & { msg: string }

const CLUSTER = 'progress'
const raw: string[] = []
const t = useEmulator({ agent: false }, { logLines: raw })

const lines = (): Line[] => raw.map(l => JSON.parse(l) as Line)
const statusesOf = (taskArn: string): Line[] =>
  lines().filter(l => l.msg === 'task status changed' && l.taskArn === taskArn)

async function register (family: string, container: Partial<ContainerDefinition>,
  networkMode: 'bridge' | 'awsvpc' = 'bridge'): Promise<void> {
  await t.ecs.send(new RegisterTaskDefinitionCommand({
    family, networkMode,
    containerDefinitions: [{ name: 'main', image: IMAGES.busybox, memory: 16, essential: true, stopTimeout: 1, ...container }]
  }))
}

async function reaches (taskArn: string, status: string): Promise<void> {
  let last: string | undefined
  await until(async () => {
    const { tasks } = await t.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [taskArn] }))
    last = tasks?.[0]?.lastStatus
    return last === status
  }, () => `${taskArn} to reach ${status} (it is ${last ?? 'unknown'})`, 30_000)
}

describe.skipIf(!hasDocker)(`the log while tasks and services start${DOCKER_SKIP}`, () => {
  useAgent(t, { cluster: CLUSTER, scope: 'cli-progress' })

  it('says each status an awsvpc task reaches, in order, once each, and why it stopped', async () => {
    const subnets = items((await ec2Ok(t.emu.url, 'DescribeSubnets',
      filters(['default-for-az', ['true']], ['availability-zone', ['us-east-1a']]))).subnetSet)
    await register('progress-vpc', { command: ['sleep', '60'] }, 'awsvpc')
    const { tasks } = await t.ecs.send(new RunTaskCommand({
      cluster: CLUSTER, taskDefinition: 'progress-vpc',
      networkConfiguration: { awsvpcConfiguration: { subnets: [subnets[0].subnetId] } }
    }))
    const arn = tasks![0].taskArn!
    await reaches(arn, 'RUNNING')
    await t.ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: arn, reason: 'done with it' }))
    await reaches(arn, 'STOPPED')

    const seen = statusesOf(arn)
    expect(seen.map(l => l.lastStatus)).toEqual(['PROVISIONING', 'PENDING', 'ACTIVATING', 'RUNNING',
      'DEACTIVATING', 'STOPPING', 'DEPROVISIONING', 'STOPPED'])
    expect(seen.every(l => l.level === 30 && l.group === 'family:progress-vpc')).toBe(true)
    expect(seen[3].secondsSinceCreated).toEqual(expect.any(Number))
    expect(seen[3].secondsSinceCreated as number).toBeGreaterThanOrEqual(0)
    expect(seen[7]).toMatchObject({ stopCode: 'UserInitiated', stoppedReason: 'done with it' })
  }, 60_000)

  it('says why a task that stops on its own stopped', async () => {
    await register('progress-exits', { command: ['sh', '-c', 'sleep 1; exit 3'] })
    const { tasks } = await t.ecs.send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: 'progress-exits' }))
    const arn = tasks![0].taskArn!
    await reaches(arn, 'STOPPED')
    const seen = statusesOf(arn)
    // The essential container's exit asks the task to stop (STOPPING) before the agent reports it.
    expect(seen.map(l => l.lastStatus)).toEqual(['PENDING', 'RUNNING', 'STOPPING', 'STOPPED'])
    expect(seen[3]).toMatchObject({
      stopCode: 'EssentialContainerExited', stoppedReason: 'Essential container in task exited'
    })
  }, 60_000)

  it('logs every service event as it is added, with the service\'s ARN', async () => {
    await register('progress-web', { command: ['sleep', '60'] })
    const { service } = await t.ecs.send(new CreateServiceCommand({
      cluster: CLUSTER, serviceName: 'web', taskDefinition: 'progress-web', desiredCount: 1
    }))
    const steady = '(service web) has reached a steady state.'
    await until(() => lines().some(l => l.msg === 'service event' && l.event === steady),
      () => `the steady-state line: ${JSON.stringify(lines().filter(l => l.msg === 'service event'))}`, 30_000)

    const logged = lines().filter(l => l.msg === 'service event').map(l => [l.serviceArn, l.event])
    const { services } = await t.ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: ['web'] }))
    const events = (services![0].events ?? []).map(e => [service!.serviceArn, e.message]).reverse()
    expect(logged).toEqual(events)
    expect(logged.map(([, e]) => e)).toContain(steady)
    const taskLines = lines().filter(l => l.msg === 'task status changed' && l.group === 'service:web')
    expect(taskLines.map(l => l.lastStatus)).toContain('RUNNING')
    await t.ecs.send(new DeleteServiceCommand({ cluster: CLUSTER, service: 'web', force: true }))
  }, 60_000)
})

describe.skipIf(!hasDocker)(`the log of a pull from the emulator's registry${DOCKER_SKIP}`, () => {
  /** IMAGE with a layer of this run's own, pushed to the registry and removed here. */
  async function pushed (image: string): Promise<void> {
    const docker = dockerode()
    const dir = mkdtempSync(join(tmpdir(), 'ecs-emulator-progress-'))
    try {
      const label = Object.entries(testRunLabel('cli-progress')).map(([k, v]) => `LABEL ${k}=${v}`).join('\n')
      writeFileSync(join(dir, 'Dockerfile'), `FROM ${IMAGES.busybox}\nCOPY run /run-id\n${label}\n`)
      // Megabytes of noise: Docker tells a layer's download bytes every 512 KiB, and a layer
      // of a few bytes comes down with no progress to count.
      writeFileSync(join(dir, 'run'), randomBytes(4 * 1024 * 1024))
      await followProgress(docker, await docker.buildImage({ context: dir, src: ['Dockerfile', 'run'] }, { t: image, rm: true }))
      const { authorizationData } = await t.ecr.send(new GetAuthorizationTokenCommand({}))
      const password = Buffer.from(authorizationData![0].authorizationToken!, 'base64').toString('utf8').slice(4)
      const serveraddress = image.split('/')[0]
      await followProgress(docker, await docker.getImage(image).push({ authconfig: { username: 'AWS', password, serveraddress } }))
    } finally {
      rmSync(dir, { recursive: true, force: true })
      await docker.getImage(image).remove().catch(() => {})
    }
  }

  it('says when the pull starts and when it ends, with the task and how long it took', async () => {
    const { repository } = await t.ecr.send(new CreateRepositoryCommand({ repositoryName: 'progress-pull' }))
    const image = `${repository!.repositoryUri!}:v1`
    await pushed(image)
    const logged: string[] = []
    const log = pino({ level: 'info' }, { write: (l: string) => { logged.push(l) } })
    const taskArn = `arn:aws:ecs:us-east-1:${ACCOUNT}:task/${CLUSTER}/0123456789abcdef0123456789abcdef`
    try {
      await resolveImage(image, {
        docker: dockerode(), clients: clientFactory(t.emu.url), launchType: 'EC2', log, taskArn,
        credentials: async () => ({ accessKeyId: 'test', secretAccessKey: 'test' }),
        registry: async () => image.split('/')[0]
      }, { registryId: ACCOUNT, region: 'us-east-1' })
    } finally {
      await dockerode().getImage(image).remove().catch(() => {})
    }
    const pull = logged.map(l => JSON.parse(l) as Line)
    expect(pull.map(l => l.msg).filter(m => !m.startsWith('pulling '))).toEqual(['image pull started', 'image pulled'])
    expect(pull.every(l => l.taskArn === taskArn && l.image === image && l.level === 30)).toBe(true)
    const end = pull[pull.length - 1]
    expect(end.durationMs).toEqual(expect.any(Number))
    expect(end.current as number).toBeGreaterThan(0)
  }, 60_000)
})
