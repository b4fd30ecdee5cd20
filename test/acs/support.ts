/**
 * The real agent's side of ACS and TCS, as the reference records it, for the tests of the
 * control plane's side: a SigV4-signed GET upgrade (SignedHeaders host;x-amz-date), frames of
 * `{type, message}`, TCS frames behind a signed header block; and the registrations and task
 * records the tests start from.
 */
import { randomUUID } from 'node:crypto'
import { SignatureV4 } from '@smithy/signature-v4'
import { RegisterContainerInstanceCommand, type ECSClient } from '@aws-sdk/client-ecs'
import WebSocket from 'ws'
import { Sha256 } from '../../api/sigv4.js'
import type { Credentials } from '../support/emulator.js'
import type { TaskDefinition } from '../../src/ecs/task-definition.js'
import type { TaskRecord } from '../../src/ecs/task.js'

export const ACCOUNT = '000000000000'

// --- signing and connecting -----------------------------------------------------------------

export interface Frame { type: string, message: any }

export interface UpgradeOptions {
  credentials?: Credentials
  /** Sign with this secret instead of the credentials' own (a forged signature). */
  secret?: string
  unsigned?: boolean
  region?: string
}

/** The headers the agent sends: Authorization and X-Amz-Date (and the token), signed over GET. */
export async function signUpgrade (url: URL, o: UpgradeOptions = {}): Promise<Record<string, string>> {
  if (o.unsigned === true) return {}
  const credentials = o.credentials ?? { accessKeyId: 'test', secretAccessKey: 'test' }
  const signer = new SignatureV4({
    credentials: { ...credentials, secretAccessKey: o.secret ?? credentials.secretAccessKey },
    region: o.region ?? 'us-east-1',
    service: 'ecs',
    sha256: Sha256,
    applyChecksum: false
  })
  const query: Record<string, string> = {}
  for (const [k, v] of url.searchParams) query[k] = v
  const signed = await signer.sign({
    method: 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port),
    path: url.pathname, query, headers: { host: url.host }
  })
  const headers = { ...signed.headers } as Record<string, string>
  delete headers.host
  return headers
}

export function agentUrl (base: string, path: '/acs/ws' | '/tcs/ws', query: Record<string, string>): URL {
  const url = new URL(path, base.replace(/^http/, 'ws'))
  for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v)
  return url
}

/** The query the real agent sends for ACS (`acs/session/session.go`, acsURL). */
export const acsQuery = (cluster: string, containerInstanceArn: string, more: Record<string, string> = {}) => ({
  agentHash: '13d0cb7d', agentVersion: '1.101.2', clusterArn: cluster, containerInstanceArn,
  dockerVersion: 'DockerVersion: 20.10.24+dfsg1', protocolVersion: '2', sendCredentials: 'true', seqNum: '1', ...more
})

/** The query the real agent sends for TCS (`tcs/handler/handler.go`, formatURL). */
export const tcsQuery = (cluster: string, containerInstanceArn: string) => ({
  agentHash: '13d0cb7d', agentVersion: '1.101.2', cluster, containerInstance: containerInstanceArn,
  dockerVersion: 'DockerVersion: 20.10.24+dfsg1'
})

export interface Refused { status: number, body: string }

/** An agent's end of the socket: every frame received, in order, and waiting for the next. */
export class FakeAgent {
  readonly frames: Frame[] = []
  readonly closed: Promise<{ code: number, reason: string }>
  #cursor = 0
  #waiters: (() => void)[] = []

  constructor (readonly ws: WebSocket) {
    ws.on('message', data => {
      this.frames.push(JSON.parse(data.toString()) as Frame)
      for (const w of this.#waiters.splice(0)) w()
    })
    this.closed = new Promise(resolve => ws.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() })
      for (const w of this.#waiters.splice(0)) w()
    }))
  }

  static async connect (url: URL, o: UpgradeOptions = {}): Promise<FakeAgent> {
    const result = await FakeAgent.#open(url, o)
    if (result instanceof FakeAgent) return result
    throw new Error(`upgrade refused: ${result.status} ${result.body}`)
  }

  /** The refusal of an upgrade that must fail. */
  static async refused (url: URL, o: UpgradeOptions = {}): Promise<Refused> {
    const result = await FakeAgent.#open(url, o)
    if (result instanceof FakeAgent) {
      result.ws.close()
      throw new Error('the upgrade was accepted')
    }
    return result
  }

  static async #open (url: URL, o: UpgradeOptions): Promise<FakeAgent | Refused> {
    const headers = await signUpgrade(url, o)
    const ws = new WebSocket(url, { headers })
    return await new Promise((resolve, reject) => {
      const agent = new FakeAgent(ws)
      ws.once('open', () => resolve(agent))
      ws.once('unexpected-response', (_req, res) => {
        let body = ''
        res.on('data', (c: Buffer) => { body += c.toString() })
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      })
      ws.once('error', e => reject(e))
    })
  }

  /** The next frame of `type` after those already taken (others of other types are skipped). */
  async next (type: string, timeoutMs = 10_000): Promise<any> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      while (this.#cursor < this.frames.length) {
        const f = this.frames[this.#cursor++]
        if (f.type === type) return f.message
      }
      const left = deadline - Date.now()
      if (left <= 0 || this.ws.readyState === WebSocket.CLOSED) {
        throw new Error(`no ${type} within ${timeoutMs} ms (got ${this.frames.map(f => f.type).join(', ')})`)
      }
      await new Promise<void>(resolve => {
        const timer = setTimeout(resolve, left)
        this.#waiters.push(() => { clearTimeout(timer); resolve() })
      })
    }
  }

  /** Every frame of `type` received so far. */
  all (type: string): any[] {
    return this.frames.filter(f => f.type === type).map(f => f.message)
  }

  send (type: string, message: object): void {
    this.ws.send(JSON.stringify({ type, message }))
  }

  /** A TCS frame: a signed HTTP header block, a blank line, then the JSON. */
  async sendSigned (type: string, message: object, credentials: Credentials = { accessKeyId: 'test', secretAccessKey: 'test' }): Promise<void> {
    const body = JSON.stringify({ type, message })
    const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 'ecs', sha256: Sha256 })
    const url = new URL(this.ws.url)
    const signed = await signer.sign({ method: 'GET', protocol: 'http:', hostname: url.hostname,
      port: Number(url.port), path: url.pathname, query: {}, headers: { host: url.host }, body })
    const block = Object.entries(signed.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')
    this.ws.send(`${block}\r\n${body}`)
  }

  /** Answers the heartbeats from now on, as the agent's heartbeat responder does. */
  ackHeartbeats (): void {
    this.ws.on('message', data => {
      const f = JSON.parse(data.toString()) as Frame
      if (f.type === 'HeartbeatMessage') this.send('HeartbeatAckRequest', { messageId: f.message.messageId })
    })
  }

  async close (): Promise<void> {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close(1000, 'ConnectionExpired')
    await this.closed
  }
}

// --- registering like the agent -------------------------------------------------------------

/** 45 attributes in the real agent's style (its capabilities; ECS adds the EC2 ones). */
export const AGENT_ATTRIBUTES: { name: string, value?: string }[] = [
  ...['json-file', 'syslog', 'awslogs', 'none', 'fluentd', 'journald', 'gelf', 'splunk', 'logentries']
    .map(d => ({ name: `com.amazonaws.ecs.capability.logging-driver.${d}` })),
  { name: 'com.amazonaws.ecs.capability.privileged-container' },
  ...Array.from({ length: 16 }, (_, i) => ({ name: `com.amazonaws.ecs.capability.docker-remote-api.1.${17 + i}` })),
  { name: 'com.amazonaws.ecs.capability.ecr-auth' },
  { name: 'com.amazonaws.ecs.capability.task-iam-role' },
  { name: 'com.amazonaws.ecs.capability.task-iam-role-network-host' },
  ...['docker-plugin.local', 'execution-role-awslogs', 'execution-role-ecr-pull',
    'secrets.asm.environment-variables', 'secrets.ssm.environment-variables', 'secrets.asm.bootstrap.log-driver',
    'secrets.ssm.bootstrap.log-driver', 'task-cpu-mem-limit', 'container-health-check',
    'private-registry-authentication.secretsmanager', 'container-ordering', 'full-sync', 'env-files.s3']
    .map(c => ({ name: `ecs.capability.${c}` })),
  { name: 'ecs.os-type', value: 'linux' },
  { name: 'ecs.os-family', value: 'LINUX' }
]

/** RegisterContainerInstance as the agent sends it; the instance's ARN. */
export async function registerAgent (ecs: ECSClient, cluster: string,
  extra: { name: string, value?: string }[] = []): Promise<string> {
  const attributes = [...AGENT_ATTRIBUTES, ...extra]
  const out = await ecs.send(new RegisterContainerInstanceCommand({
    // (the agent also sends a clientToken, a member of its private model only)
    cluster,
    attributes,
    totalResources: [
      { name: 'CPU', type: 'INTEGER', integerValue: 2048 },
      { name: 'MEMORY', type: 'INTEGER', integerValue: 3768 },
      { name: 'PORTS', type: 'STRINGSET', stringSetValue: ['22', '2375', '2376', '51678', '51679'] },
      { name: 'PORTS_UDP', type: 'STRINGSET', stringSetValue: [] }
    ],
    versionInfo: { agentVersion: '1.101.2', agentHash: '13d0cb7d', dockerVersion: 'DockerVersion: 20.10.24+dfsg1' }
  }))
  const echoed = out.containerInstance!.attributes!
  for (const a of attributes) {
    if (!echoed.some(e => e.name === a.name && e.value === a.value)) throw new Error(`attribute ${a.name} not echoed`)
  }
  return out.containerInstance!.containerInstanceArn!
}

// --- task records ---------------------------------------------------------------------------

const hex = (): string => randomUUID().replace(/-/g, '')

/** A task of `td` as RunTask would have stored it (PROVISIONING, desired RUNNING). */
export function taskRecord (td: TaskDefinition, more: Partial<TaskRecord> = {}): TaskRecord {
  const id = more.id ?? hex()
  const cluster = more.cluster ?? 'web'
  const region = more.region ?? 'us-east-1'
  return {
    account: ACCOUNT,
    region,
    cluster,
    id,
    taskArn: `arn:aws:ecs:${region}:${ACCOUNT}:task/${cluster}/${id}`,
    clusterArn: `arn:aws:ecs:${region}:${ACCOUNT}:cluster/${cluster}`,
    taskDefinitionArn: td.taskDefinitionArn,
    launchType: 'EC2',
    lastStatus: 'PROVISIONING',
    desiredStatus: 'RUNNING',
    healthStatus: 'UNKNOWN',
    containers: td.containerDefinitions.map(c => ({
      containerArn: `arn:aws:ecs:${region}:${ACCOUNT}:container/${cluster}/${id}/${randomUUID()}`,
      name: c.name!,
      image: c.image!,
      lastStatus: 'PENDING',
      networkBindings: [],
      networkInterfaces: [],
      essential: c.essential ?? true,
      healthCheck: c.healthCheck !== undefined
    })),
    roles: {},
    version: 1,
    createdAt: 1_700_000_000,
    family: td.family,
    revision: td.revision,
    group: `family:${td.family}`,
    overrides: {},
    taskRoleArn: td.taskRoleArn,
    executionRoleArn: td.executionRoleArn,
    networkMode: td.networkMode ?? 'bridge',
    attachments: [],
    enableExecuteCommand: false,
    attributes: [],
    ...more
  }
}
