/**
 * The ACS session (`ecs-agent/acs/session`): the websocket DiscoverPollEndpoint names, kept
 * open and reopened with back-off; each server message handed to its responder and answered
 * with the ack the ECS agent sends. Tasks and credentials go to the `AcsTarget` (the agent
 * core, which hands them to the task engine).
 */
import { EventEmitter } from 'node:events'
import type WebSocket from 'ws'
import type { AcsCredentials, AcsTask } from './acs-task.js'
import { ACS_BACKOFF, Backoff, addJitter, scaled, sleep } from './backoff.js'
import type { CredentialsProvider } from './credentials.js'
import { callError, describeCallError, type EcsApi } from './ecs-api.js'
import { F, type Logger } from './log.js'
import { UpgradeRefused, openSignedSocket } from './socket.js'
import { AGENT_HASH, AGENT_VERSION } from './version.js'

// --- the messages (ecs-agent/acs/model/api/api-2.json) ------------------------------------

export interface TaskIdentifier { taskArn: string, taskClusterArn?: string, desiredStatus?: string }

interface PayloadMessage {
  messageId?: string
  clusterArn?: string
  containerInstanceArn?: string
  seqNum?: number
  tasks?: AcsTask[]
}

interface IAMRoleCredentialsMessage {
  messageId?: string
  taskArn?: string
  roleType?: 'TaskApplication' | 'TaskExecution'
  roleCredentials?: Omit<AcsCredentials, 'roleType'>
}

interface TaskManifestMessage {
  messageId?: string
  clusterArn?: string
  containerInstanceArn?: string
  timeline?: number
  tasks?: TaskIdentifier[]
}

interface TaskStopVerificationAck { messageId?: string, stopTasks?: TaskIdentifier[] }

interface AckableMessage { messageId?: string, clusterArn?: string, containerInstanceArn?: string }

/** What the session hands ACS's work to. */
export interface AcsTarget {
  /** One task of a PayloadMessage; throws when it cannot be taken. */
  acceptTask (task: AcsTask): void
  /** A task whose conversion failed: reported STOPPED (UnrecognizedTaskError). */
  rejectTask (task: AcsTask, error: Error): void
  acceptCredentials (taskArn: string, credentials: AcsCredentials): void
  /** The tasks running here that the manifest does not want running. */
  stopCandidates (manifest: TaskIdentifier[]): TaskIdentifier[]
  stopTasks (tasks: TaskIdentifier[]): void
}

export interface AcsSessionOptions {
  api: EcsApi
  log: Logger
  cluster: string
  containerInstanceArn: string
  region: string
  credentials: CredentialsProvider
  dockerVersion: string
  target: AcsTarget
  timeScale: number
}

const HEARTBEAT_TIMEOUT_MS = 60_000
const HEARTBEAT_JITTER_MS = 60_000
const INACTIVE_INSTANCE_DELAY_MS = 3_600_000
const DISCONNECT_TIMEOUT_MS = 30 * 60_000
const DISCONNECT_JITTER_MS = 5 * 60_000

type Ended = 'normal' | 'error' | 'inactive'

/**
 * Emits `connected` when a socket opens and `disconnected` when it closes; `stop()` closes it
 * for good.
 */
export class AcsSession extends EventEmitter {
  readonly #o: AcsSessionOptions
  readonly #backoff: Backoff
  readonly #stopped = new AbortController()
  #ws: WebSocket | undefined
  #sendCredentials = true
  #latestSeqNum = 0
  #manifestMessageId: string | undefined
  #loop: Promise<void> | undefined

  constructor (options: AcsSessionOptions) {
    super()
    this.#o = options
    this.#backoff = new Backoff(ACS_BACKOFF, options.timeScale)
  }

  get connected (): boolean { return this.#ws !== undefined }

  start (): void {
    this.#loop ??= this.run()
  }

  /** Closes the socket (the control plane sees the agent leave) and ends the session. */
  async stop (): Promise<void> {
    this.#stopped.abort()
    this.#ws?.close(1000, 'agent stopping')
    await this.#loop
  }

  /** Drops the connection without a close handshake, as a crash would. */
  kill (): void {
    this.#stopped.abort()
    this.#ws?.terminate()
  }

  private async run (): Promise<void> {
    const signal = this.#stopped.signal
    while (!signal.aborted) {
      const ended = await this.session()
      if (signal.aborted) break
      const delay = this.delayAfter(ended)
      if (delay > 0) {
        this.#o.log.info({ reconnectDelay: delay }, 'Waiting before reconnecting to ACS')
        if (!await sleep(delay, signal)) break
      }
    }
  }

  private delayAfter (ended: Ended): number {
    if (ended === 'inactive') return scaled(INACTIVE_INSTANCE_DELAY_MS, this.#o.timeScale)
    if (ended === 'normal') { this.#backoff.reset(); return 0 }
    return this.#backoff.duration()
  }

  /** One connection, from DiscoverPollEndpoint to the socket's close. */
  private async session (): Promise<Ended> {
    let ws: WebSocket
    try {
      ws = await this.connect()
    } catch (e) {
      return this.connectFailed(e)
    }
    if (this.#stopped.signal.aborted) {
      ws.close(1000, 'agent stopping')
      return 'normal'
    }
    this.#o.log.info({ [F.containerInstance]: this.#o.containerInstanceArn }, 'Connected to ACS endpoint')
    this.#sendCredentials = false
    this.#ws = ws
    this.emit('connected')
    const ended = await this.serve(ws)
    this.#ws = undefined
    this.emit('disconnected')
    return ended
  }

  private async connect (): Promise<WebSocket> {
    const { api, cluster, containerInstanceArn, region } = this.#o
    const endpoints = await api.discoverPollEndpoint(cluster, containerInstanceArn)
    const credentials = await this.#o.credentials()
    return openSignedSocket(this.url(endpoints.endpoint), region, credentials)
  }

  /** `<endpoint>ws?...` with the query the ECS agent sends (`session.go` acsURL). */
  url (endpoint: string): URL {
    const url = new URL(endpoint.endsWith('/') ? `${endpoint}ws` : `${endpoint}/ws`)
    const query: [string, string][] = [
      ['agentHash', AGENT_HASH],
      ['agentVersion', AGENT_VERSION],
      ['clusterArn', this.#o.cluster],
      ['containerInstanceArn', this.#o.containerInstanceArn],
      ['dockerVersion', `DockerVersion: ${this.#o.dockerVersion}`],
      ['protocolVersion', '2'],
      ['sendCredentials', String(this.#sendCredentials)],
      ['seqNum', '1']
    ]
    for (const [k, v] of query) url.searchParams.set(k, v)
    return url
  }

  private connectFailed (e: unknown): Ended {
    const log = this.#o.log
    if (e instanceof UpgradeRefused) {
      const fields = { [F.call]: 'ecs:Poll', [F.errorCode]: e.errorCode, status: e.status }
      if (e.errorCode.includes('InactiveInstanceException') || e.errorMessage.includes('InactiveInstanceException')) {
        log.warn(fields, `Container instance is deregistered: ecs:Poll: ${e.errorCode}: ${e.errorMessage}`)
        return 'inactive'
      }
      log.error(fields, `Failed to connect to ACS: ecs:Poll: ${e.errorCode}: ${e.errorMessage}`)
      return 'error'
    }
    const failure = callError('ecs:DiscoverPollEndpoint', e)
    log.error({ [F.errorCode]: failure.code }, `Failed to connect to ACS: ${describeCallError(failure)}`)
    return 'error'
  }

  /**
   * Reads messages until the socket closes. The silence and lifetime timers are not scaled by
   * the time scale: they answer the control plane's own clock (its heartbeat every 20 s).
   */
  private serve (ws: WebSocket): Promise<Ended> {
    const heartbeat = (): number => addJitter(HEARTBEAT_TIMEOUT_MS, HEARTBEAT_JITTER_MS)
    let expired = false
    const silence = setTimeout(() => {
      this.#o.log.warn('ACS Connection hasn\'t had any activity for too long; closing connection')
      ws.terminate()
    }, heartbeat())
    const steady = setTimeout(() => this.#backoff.reset(), scaled(heartbeat(), this.#o.timeScale))
    const lifetime = setTimeout(() => {
      expired = true
      ws.close(1000, 'ConnectionExpired')
    }, addJitter(DISCONNECT_TIMEOUT_MS, DISCONNECT_JITTER_MS))

    ws.on('message', (data: Buffer) => {
      silence.refresh()
      this.handle(ws, data.toString('utf8'))
    })
    ws.on('error', e => this.#o.log.warn({ err: e.message }, 'ACS websocket error'))
    return new Promise(resolve => {
      ws.once('close', (code: number, reason: Buffer) => {
        for (const t of [silence, steady, lifetime]) clearTimeout(t)
        const clean = code === 1000 || expired
        this.#o.log.info({ code, reason: reason.toString('utf8') }, 'Disconnected from ACS')
        resolve(clean ? 'normal' : 'error')
      })
    })
  }

  // --- responders ---------------------------------------------------------------------------

  private handle (ws: WebSocket, text: string): void {
    let frame: { type?: string, message?: unknown }
    try {
      frame = JSON.parse(text) as typeof frame
    } catch {
      this.#o.log.warn({ frame: text.slice(0, 200) }, 'ignoring an ACS frame that is not JSON')
      return
    }
    const message = (frame.message ?? {}) as Record<string, unknown>
    const send = (type: string, body: object): void => { ws.send(JSON.stringify({ type, message: body })) }
    switch (frame.type) {
      case 'HeartbeatMessage': return send('HeartbeatAckRequest', { messageId: message.messageId })
      case 'PayloadMessage': return this.payload(message as PayloadMessage, send)
      case 'IAMRoleCredentialsMessage': return this.refreshCredentials(message as IAMRoleCredentialsMessage, send)
      case 'TaskManifestMessage': return this.manifest(message as TaskManifestMessage, send)
      case 'TaskStopVerificationAck': return this.stopVerified(message as TaskStopVerificationAck)
      case 'AttachTaskNetworkInterfacesMessage':
      case 'AttachInstanceNetworkInterfacesMessage':
      case 'ConfirmAttachmentMessage':
        return this.ack(message as AckableMessage, send)
      case 'CloseMessage':
        this.#o.log.info({ reason: message.message }, 'ACS closed the session')
        return
      default:
        if (frame.type === 'ErrorMessage' || frame.type?.endsWith('Exception') === true) {
          this.#o.log.error({ type: frame.type }, `ACS error: ${String(message.message ?? '')}`)
          return
        }
        this.#o.log.debug({ type: frame.type }, 'ignoring an ACS message this agent does not handle')
    }
  }

  private payload (m: PayloadMessage, send: (type: string, body: object) => void): void {
    if (m.messageId === undefined || m.clusterArn === undefined || m.containerInstanceArn === undefined) {
      this.#o.log.debug({ [F.messageId]: m.messageId }, 'dropping a PayloadMessage without messageId, clusterArn or containerInstanceArn')
      return
    }
    if (typeof m.seqNum === 'number' && m.seqNum > this.#latestSeqNum) this.#latestSeqNum = m.seqNum

    const acks: { credentialsId: string, expiration: string }[] = []
    let allAccepted = true
    for (const task of m.tasks ?? []) {
      try {
        this.#o.target.acceptTask(task)
      } catch (e) {
        allAccepted = false
        this.#o.log.error({ [F.taskArn]: task.arn, err: (e as Error).message }, 'could not take a task from ACS')
        this.#o.target.rejectTask(task, e as Error)
        continue
      }
      for (const [creds, roleType] of taskCredentials(task)) {
        this.#o.target.acceptCredentials(task.arn, { ...creds, roleType })
        acks.push({ credentialsId: creds.credentialsId, expiration: creds.expiration })
      }
    }
    if (!allAccepted) return // the ECS agent acks a payload only when it took every task

    this.ack(m, send)
    for (const c of acks) send('IAMRoleCredentialsAckRequest', { messageId: m.messageId, ...c })
  }

  private refreshCredentials (m: IAMRoleCredentialsMessage,
    send: (type: string, body: object) => void): void {
    const creds = m.roleCredentials
    if (m.messageId === undefined || m.taskArn === undefined || creds?.credentialsId === undefined) {
      this.#o.log.warn({ [F.messageId]: m.messageId }, 'dropping an IAMRoleCredentialsMessage without messageId, taskArn or roleCredentials')
      return
    }
    this.#o.target.acceptCredentials(m.taskArn, { ...creds, roleType: m.roleType ?? 'TaskApplication' })
    send('IAMRoleCredentialsAckRequest', { messageId: m.messageId, credentialsId: creds.credentialsId, expiration: creds.expiration })
  }

  private manifest (m: TaskManifestMessage, send: (type: string, body: object) => void): void {
    const timeline = m.timeline ?? 0
    if (timeline <= this.#latestSeqNum) {
      this.#o.log.warn({ [F.messageId]: m.messageId, manifestSeqNum: timeline, agentLatestSeqNum: this.#latestSeqNum },
        'Discarding task manifest message: its sequence number is not above the latest one')
      return
    }
    this.#latestSeqNum = timeline
    this.#manifestMessageId = m.messageId
    const candidates = this.#o.target.stopCandidates(m.tasks ?? [])
    this.ack(m, send)
    if (candidates.length > 0) {
      send('TaskStopVerificationMessage', { messageId: m.messageId, stopCandidates: candidates })
    }
  }

  private stopVerified (m: TaskStopVerificationAck): void {
    if (m.messageId === undefined || m.messageId !== this.#manifestMessageId) {
      this.#o.log.warn({ [F.messageId]: m.messageId }, 'ignoring a TaskStopVerificationAck for another manifest')
      return
    }
    this.#o.target.stopTasks(m.stopTasks ?? [])
  }

  private ack (m: AckableMessage, send: (type: string, body: object) => void): void {
    send('AckRequest', { cluster: m.clusterArn, containerInstance: m.containerInstanceArn, messageId: m.messageId })
  }
}

type RoleType = 'TaskApplication' | 'TaskExecution'

function taskCredentials (task: AcsTask): [AcsCredentials, RoleType][] {
  const out: [AcsCredentials, RoleType][] = []
  if (task.roleCredentials !== undefined) out.push([task.roleCredentials, 'TaskApplication'])
  if (task.executionRoleCredentials !== undefined) out.push([task.executionRoleCredentials, 'TaskExecution'])
  return out
}
