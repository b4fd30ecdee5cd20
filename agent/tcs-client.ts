/**
 * The telemetry session (`ecs-agent/tcs`): `<telemetryEndpoint>ws?cluster=...`, each frame
 * a signed header block, a blank line and the JSON; a PublishInstanceStatusRequest every
 * 20 seconds and a PublishHealthRequest whenever the engine reports container health. It is
 * optional, as on the ECS agent: failures only log, and it reconnects with back-off.
 */
import { randomUUID } from 'node:crypto'
import type WebSocket from 'ws'
import { Backoff, TCS_BACKOFF, addJitter, scaled, sleep } from './backoff.js'
import type { CredentialsProvider } from './credentials.js'
import { callError, describeCallError, type EcsApi } from './ecs-api.js'
import type { TaskHealthChange } from './engine.js'
import { F, type Logger } from './log.js'
import { signedFrame } from './signing.js'
import { UpgradeRefused, openSignedSocket } from './socket.js'
import { AGENT_HASH, AGENT_VERSION } from './version.js'

export interface TcsSessionOptions {
  api: EcsApi
  log: Logger
  cluster: string
  containerInstanceArn: string
  region: string
  credentials: CredentialsProvider
  dockerVersion: string
  timeScale: number
}

const PUBLISH_INTERVAL_MS = 20_000
const HEARTBEAT_TIMEOUT_MS = 60_000
const HEARTBEAT_JITTER_MS = 60_000

export class TcsSession {
  readonly #o: TcsSessionOptions
  readonly #backoff: Backoff
  readonly #stopped = new AbortController()
  /** Health not yet published, newest per task: sent when the socket is (back) up. */
  readonly #pendingHealth = new Map<string, TaskHealthChange>()
  #ws: { socket: WebSocket, url: URL } | undefined
  #loop: Promise<void> | undefined

  constructor (options: TcsSessionOptions) {
    this.#o = options
    this.#backoff = new Backoff(TCS_BACKOFF, options.timeScale)
  }

  get connected (): boolean { return this.#ws !== undefined }

  start (): void {
    this.#loop ??= this.run()
  }

  async stop (): Promise<void> {
    this.#stopped.abort()
    this.#ws?.socket.close(1000, 'agent stopping')
    await this.#loop
  }

  kill (): void {
    this.#stopped.abort()
    this.#ws?.socket.terminate()
  }

  /** The engine's health report: published at once, or when the session is next up. */
  publishHealth (change: TaskHealthChange): void {
    this.#pendingHealth.set(change.taskArn, change)
    void this.flushHealth()
  }

  private async run (): Promise<void> {
    const signal = this.#stopped.signal
    while (!signal.aborted) {
      const clean = await this.once()
      if (signal.aborted) break
      if (clean) { this.#backoff.reset(); continue }
      if (!await sleep(this.#backoff.duration(), signal)) break
    }
  }

  private async once (): Promise<boolean> {
    let url: URL
    let socket: WebSocket
    try {
      const endpoints = await this.#o.api.discoverPollEndpoint(this.#o.cluster, this.#o.containerInstanceArn)
      if (endpoints.telemetryEndpoint === undefined) {
        this.#o.log.warn('tcs: no telemetry endpoint returned')
        return false
      }
      url = this.url(endpoints.telemetryEndpoint)
      socket = await openSignedSocket(url, this.#o.region, await this.#o.credentials())
    } catch (e) {
      this.connectFailed(e)
      return false
    }
    if (this.#stopped.signal.aborted) { socket.close(1000, 'agent stopping'); return true }
    this.#o.log.info('Connected to TCS endpoint')
    this.#ws = { socket, url }
    const clean = await this.serve(socket)
    this.#ws = undefined
    return clean
  }

  /** `<telemetryEndpoint>ws?...` (`tcs/handler/handler.go` formatURL). */
  url (endpoint: string): URL {
    const url = new URL(endpoint.endsWith('/') ? `${endpoint}ws` : `${endpoint}/ws`)
    const query: [string, string][] = [
      ['agentHash', AGENT_HASH],
      ['agentVersion', AGENT_VERSION],
      ['cluster', this.#o.cluster],
      ['containerInstance', this.#o.containerInstanceArn],
      // (unconfirmed) the ECS agent sends the runtime version here without the "DockerVersion: " prefix ACS gets
      ['dockerVersion', this.#o.dockerVersion]
    ]
    for (const [k, v] of query) url.searchParams.set(k, v)
    return url
  }

  private connectFailed (e: unknown): void {
    if (e instanceof UpgradeRefused) {
      this.#o.log.warn({ [F.call]: 'ecs:StartTelemetrySession', [F.errorCode]: e.errorCode, status: e.status },
        `Error connecting to TCS: ecs:StartTelemetrySession: ${e.errorCode}: ${e.errorMessage}`)
      return
    }
    const failure = callError('ecs:DiscoverPollEndpoint', e)
    this.#o.log.warn({ [F.errorCode]: failure.code }, `Error connecting to TCS: ${describeCallError(failure)}`)
  }

  private serve (socket: WebSocket): Promise<boolean> {
    // The silence timer answers the control plane's heartbeats: not scaled.
    const silence = setTimeout(() => {
      this.#o.log.info('TCS Connection hasn\'t had any activity for too long; disconnecting')
      socket.terminate()
    }, addJitter(HEARTBEAT_TIMEOUT_MS, HEARTBEAT_JITTER_MS))
    const every = scaled(PUBLISH_INTERVAL_MS, this.#o.timeScale)
    const publish = setInterval(() => { void this.publishInstanceStatus() }, every)
    void this.flushHealth()

    socket.on('message', () => silence.refresh()) // heartbeats and acks: the session is alive
    socket.on('error', e => this.#o.log.warn({ err: e.message }, 'TCS websocket error'))
    return new Promise(resolve => {
      socket.once('close', (code: number) => {
        clearTimeout(silence)
        clearInterval(publish)
        this.#o.log.info({ code }, 'TCS Websocket connection closed')
        resolve(code === 1000)
      })
    })
  }

  private async publishInstanceStatus (): Promise<void> {
    const now = Date.now() / 1000
    await this.send('PublishInstanceStatusRequest', {
      metadata: { cluster: this.#o.cluster, containerInstance: this.#o.containerInstanceArn, requestId: randomUUID() },
      // (unconfirmed) the healthcheck type the ECS agent's doctor names its Docker check
      statuses: [{ type: 'ContainerRuntime', status: 'OK', lastUpdated: now, lastStatusChange: now }],
      timestamp: now
    })
  }

  private async flushHealth (): Promise<void> {
    if (this.#ws === undefined || this.#pendingHealth.size === 0) return
    const changes = [...this.#pendingHealth.values()]
    this.#pendingHealth.clear()
    const { cluster, containerInstanceArn: containerInstance } = this.#o
    const sent = await this.send('PublishHealthRequest', {
      metadata: { cluster, containerInstance, fin: true, messageId: randomUUID() },
      timestamp: Date.now() / 1000,
      tasks: changes.map(c => ({
        taskArn: c.taskArn,
        taskDefinitionFamily: c.family,
        taskDefinitionVersion: c.version,
        containers: c.containers.map(h => ({
          containerName: h.containerName, healthStatus: h.healthStatus, statusSince: h.statusSince.getTime() / 1000
        }))
      }))
    })
    if (!sent) for (const c of changes) if (!this.#pendingHealth.has(c.taskArn)) this.#pendingHealth.set(c.taskArn, c)
  }

  private async send (type: string, message: object): Promise<boolean> {
    const open = this.#ws
    if (open === undefined) return false
    try {
      const json = JSON.stringify({ type, message })
      const frame = await signedFrame(open.url, this.#o.region, await this.#o.credentials(), json)
      open.socket.send(frame)
      return true
    } catch (e) {
      this.#o.log.warn({ type, err: (e as Error).message }, 'Error publishing to TCS')
      return false
    }
  }
}
