/**
 * For the task engine tests: an in-process control plane, roles and their sessions as ECS
 * would mint them (assumeRoleAsService as ecs-tasks.amazonaws.com / ec2.amazonaws.com), an
 * engine on the real Docker engine with this file's labels, hand-built ACS tasks, and waits
 * on the state changes the engine reports.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam'
import pino from 'pino'
import { expect } from 'vitest'
import type { AcsContainer, AcsCredentials, AcsTask } from '../../agent/acs-task.js'
import type {
  TaskEngine, TaskEngineOptions, TaskHealthChange, TaskStateChange
} from '../../agent/engine.js'
import { createTaskEngine } from '../../agent/engine/index.js'
import { assumeRoleAsService } from '../../src/sts/sessions.js'
import { IMAGES, dockerode, removeByLabel, testRunLabel } from '../support/docker.js'
import { startEmulator, type TestEmulator } from '../support/emulator.js'
import { ACCOUNT, policyDocument, trustService } from '../support/fixtures.js'

export const REGION = 'us-east-1'
export const CLUSTER = 'engine-cluster'
export const CLUSTER_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/${CLUSTER}`

export interface Harness {
  emu: TestEmulator
  engine: TaskEngine
  reports: TaskStateChange[]
  health: TaskHealthChange[]
  instanceId: string
  dataDir: string
  labels: Record<string, string>
  /** The engine's endpoint server, as the test reaches it (127.0.0.1). */
  endpointUrl (): string
  /** A new engine on the same data directory and instance (an agent restart). */
  restart (options?: Partial<TaskEngineOptions>): Promise<string[]>
  close (): Promise<void>
}

/** Reads a session's credentials in the ACS message's shape. */
function acsCredentials (session: { accessKeyId: string, secretAccessKey: string, sessionToken?: string,
  expiration: number, roleArn?: string }, roleType?: AcsCredentials['roleType']): AcsCredentials {
  return {
    credentialsId: randomUUID(),
    accessKeyId: session.accessKeyId,
    secretAccessKey: session.secretAccessKey,
    sessionToken: session.sessionToken ?? '',
    expiration: new Date(session.expiration * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    roleArn: session.roleArn ?? '',
    roleType
  }
}

/** A role ECS tasks (or EC2) may assume, with one inline policy. */
export async function makeRole (emu: TestEmulator, name: string, statements: object[],
  service = 'ecs-tasks.amazonaws.com'): Promise<string> {
  const iam = emu.clients().iam
  const { Role } = await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trustService(service) }))
  if (statements.length > 0) {
    await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'inline', PolicyDocument: policyDocument(...statements) }))
  }
  return Role!.Arn!
}

/** A session of `roleArn` as the service would get it: the session name is the task id. */
export function sessionOf (emu: TestEmulator, roleArn: string, sessionName: string,
  roleType?: AcsCredentials['roleType'], service = 'ecs-tasks.amazonaws.com'): AcsCredentials {
  const result = assumeRoleAsService(emu.emulator, {
    roleArn, service, sessionName, requestId: randomUUID(), region: REGION, now: new Date()
  })
  if (!result.ok) throw new Error(`cannot assume ${roleArn} as ${service}`)
  return acsCredentials(result.session, roleType)
}

export const taskIdOf = (task: AcsTask): string => task.arn.slice(task.arn.lastIndexOf('/') + 1)

export function acsTask (p: Partial<AcsTask> & { containers: AcsContainer[] }): AcsTask {
  return {
    arn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task/${CLUSTER}/${randomBytes(16).toString('hex')}`,
    taskClusterArn: CLUSTER_ARN,
    family: 'engine-test',
    version: '1',
    desiredStatus: 'RUNNING',
    taskDefinitionAccountId: ACCOUNT,
    launchType: 'EC2',
    networkMode: 'bridge',
    ...p
  }
}

/** A busybox container; `config` / `hostConfig` become the dockerConfig JSON strings. */
export function container (name: string, p: Partial<AcsContainer> & {
  config?: object, hostConfig?: object
} = {}): AcsContainer {
  const { config, hostConfig, ...rest } = p
  return {
    name,
    image: IMAGES.busybox,
    essential: true,
    cpu: 0,
    memory: 64,
    dockerConfig: { version: '1.17', config: JSON.stringify(config ?? {}), hostConfig: JSON.stringify(hostConfig ?? {}) },
    ...rest
  }
}

export async function startHarness (scope: string): Promise<Harness> {
  const emu = await startEmulator()
  const labels = testRunLabel(scope)
  const instanceId = `i-0${randomBytes(8).toString('hex')}`
  const dataDir = mkdtempSync(join(tmpdir(), 'ecs-engine-'))
  const instanceRole = await makeRole(emu, `EngineInstance-${scope}`, [
    { Effect: 'Allow', Action: ['ecs:ListTagsForResource', 'ecr:*', 'logs:*'], Resource: '*' }
  ], 'ec2.amazonaws.com')
  const instance = sessionOf(emu, instanceRole, instanceId, undefined, 'ec2.amazonaws.com')
  const reports: TaskStateChange[] = []
  const health: TaskHealthChange[] = []
  const make = (overrides: Partial<TaskEngineOptions> = {}) => createTaskEngine({
    docker: dockerode(),
    log: pino({ level: process.env.ECS_EMULATOR_TEST_LOG ?? 'silent' }),
    endpoint: emu.url,
    region: REGION,
    cluster: CLUSTER,
    containerInstanceArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:container-instance/${CLUSTER}/${randomBytes(16).toString('hex')}`,
    instanceId,
    instanceCredentials: async () => ({
      accessKeyId: instance.accessKeyId, secretAccessKey: instance.secretAccessKey,
      sessionToken: instance.sessionToken, expiration: new Date(instance.expiration)
    }),
    labels,
    dataDir,
    availabilityZone: 'us-east-1a',
    taskCleanupWaitMs: 10 * 60 * 1000,
    report: change => { reports.push(change) },
    reportHealth: change => { health.push(change) },
    ...overrides
  })
  const h: Harness = {
    emu,
    engine: make(),
    reports,
    health,
    instanceId,
    dataDir,
    labels,
    endpointUrl () {
      const { port } = JSON.parse(readFileSync(join(dataDir, 'engine.json'), 'utf8')) as { port: number }
      return `http://127.0.0.1:${port}`
    },
    async restart (options) {
      await h.engine.close()
      h.engine = make(options)
      return await h.engine.start()
    },
    async close () {
      try {
        await h.engine.close()
      } finally {
        await removeByLabel(labels)
        rmSync(dataDir, { recursive: true, force: true })
        await emu.close()
      }
      expect(emu.violations).toEqual([])
    }
  }
  await h.engine.start()
  return h
}

/** The first report of `status` for the task (waits up to `ms`). */
export async function reported (h: Harness, task: AcsTask, status: TaskStateChange['status'],
  ms = 20_000): Promise<TaskStateChange> {
  const deadline = Date.now() + ms
  for (;;) {
    const found = h.reports.find(r => r.taskArn === task.arn && r.status === status)
    if (found !== undefined) return found
    if (Date.now() > deadline) {
      const seen = h.reports.filter(r => r.taskArn === task.arn)
      throw new Error(`no ${status} report for ${task.arn} in ${ms} ms; saw ${JSON.stringify(seen)}`)
    }
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

/** The Docker containers of a task (by the task ARN label). */
export async function containersOf (task: AcsTask): Promise<{ Id: string, Labels: Record<string, string>, State: string }[]> {
  return await dockerode().listContainers({ all: true, filters: { label: [`com.amazonaws.ecs.task-arn=${task.arn}`] } })
}

/** A container's output so far (stdout and stderr, or only stdout), demultiplexed. */
export async function outputOf (id: string, only?: 'stdout'): Promise<string> {
  const raw = await dockerode().getContainer(id).logs({ stdout: true, stderr: only === undefined, follow: false }) as unknown as Buffer
  let out = ''
  for (let i = 0; i + 8 <= raw.length;) {
    const n = raw.readUInt32BE(i + 4)
    out += raw.subarray(i + 8, i + 8 + n).toString('utf8')
    i += 8 + n
  }
  return out
}

/** A GET with a plain HTTP client (no keep-alive), JSON parsed. */
export async function getJson (url: string): Promise<{ status: number, body: unknown }> {
  const res = await fetch(url)
  const text = await res.text()
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) as unknown }
}
