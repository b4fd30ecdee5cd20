/**
 * One agent's TCS (telemetry) session. Each frame the agent sends is a signed HTTP header
 * block, a blank line and the JSON; the control plane strips the headers, acks every publish,
 * hands container health to the task state (`applyContainerHealth`) and sends heartbeats.
 * Metrics and instance status are acknowledged and dropped. The per-frame signatures are not
 * checked: the upgrade that opened the socket was.
 */
import type { Logger } from '../log.js'
import { F } from '../log.js'
import type { ContainerHealth } from '../ecs/task-state.js'
import { frame, parseFrame, stripSignedHeaders, type PublishHealthRequest } from './protocol.js'
import type { AgentIdentity, AgentSocket } from './session.js'

/** A task's container health as the agent published it. */
export interface TaskHealthReport {
  taskArn: string
  containers: ContainerHealth[]
}

export interface TelemetryHost {
  /** Applies the report when the task is one this session's instance runs. */
  health (session: TelemetrySession, report: TaskHealthReport): void
}

const ACKS: Record<string, string> = {
  PublishMetricsRequest: 'AckPublishMetric',
  PublishHealthRequest: 'AckPublishHealth',
  PublishInstanceStatusRequest: 'AckPublishInstanceStatus'
}

const HEALTH = new Set(['HEALTHY', 'UNHEALTHY', 'UNKNOWN'])

export class TelemetrySession {
  #timer: NodeJS.Timeout | undefined
  #ended = false

  constructor (readonly host: TelemetryHost, readonly socket: AgentSocket,
    readonly agent: AgentIdentity, readonly heartbeatMs: number, readonly log: Logger) {}

  get ended (): boolean { return this.#ended }

  start (): void {
    const beat = (): void => this.#send('HeartbeatMessage', { healthy: true })
    this.#timer = setInterval(beat, this.heartbeatMs)
    this.#timer.unref()
  }

  end (): void {
    this.#ended = true
    clearInterval(this.#timer)
  }

  close (code: number, reason: string): void {
    this.end()
    this.socket.close(code, reason)
  }

  receive (text: string): void {
    const f = parseFrame(stripSignedHeaders(text))
    if (f === undefined) {
      this.log.warn({ length: text.length }, 'unreadable TCS frame')
      return
    }
    const ack = ACKS[f.type]
    if (ack === undefined) {
      this.log.debug({ type: f.type }, 'TCS message ignored')
      return
    }
    if (f.type === 'PublishHealthRequest') this.#health(f.message as PublishHealthRequest)
    this.#send(ack, {})
  }

  #health (m: PublishHealthRequest): void {
    for (const t of m.tasks ?? []) {
      if (t.taskArn === undefined) continue
      const containers = (t.containers ?? [])
        .filter(c => c.containerName !== undefined && HEALTH.has(c.healthStatus ?? ''))
        .map(c => ({ containerName: c.containerName!, healthStatus: c.healthStatus!,
          statusSince: typeof c.statusSince === 'number' ? c.statusSince : undefined }))
      this.log.debug({ [F.taskArn]: t.taskArn, containers: containers.length },
        'container health published')
      this.host.health(this, { taskArn: t.taskArn, containers })
    }
  }

  #send (type: string, message: object): void {
    if (!this.#ended) this.socket.send(frame(type, message))
  }
}
