/**
 * One agent's ACS session: its socket, the HeartbeatMessages that keep it open, the payloads it
 * has not acknowledged yet, and what it sends back (acks, heartbeat acks, credential acks, stop
 * verifications). Which tasks to send is the hub's business (hub.ts).
 */
import { randomUUID } from 'node:crypto'
import type { Logger } from '../log.js'
import { F } from '../log.js'
import type { Scope } from '../ecs/arns.js'
import type { VersionInfo } from '../ecs/container-instance.js'
import type { DesiredStatus } from '../ecs/task.js'
import {
  frame, parseFrame, type AckRequest, type AcsTask, type IAMRoleCredentialsAckRequest,
  type IAMRoleCredentialsMessage, type TaskIdentifier, type TaskStopVerificationMessage
} from './protocol.js'

/** The socket as the sessions see it (api/acs.ts adapts a `ws` WebSocket). */
export interface AgentSocket {
  send (text: string): void
  close (code: number, reason: string): void
  /** Drops the connection without a close handshake. */
  terminate (): void
}

/** Who connected, as the signed upgrade request established it. */
export interface AgentIdentity extends Scope {
  /** The cluster's name. */
  cluster: string
  clusterArn: string
  containerInstanceArn: string
  /** The caller's ARN (`assumed-role/ecsInstanceRole/i-...` for an agent on EC2). */
  principal: string
  /** The base URL the agent reached the emulator at. */
  endpoint: string
  versionInfo: VersionInfo
  protocolVersion: number
  sendCredentials: boolean
}

export interface SessionTiming {
  heartbeatMs: number
  /** With protocol version 2, the session closes when the agent says nothing for this long. */
  silenceMs: number
  /** A TaskManifestMessage goes with every this many heartbeats. */
  manifestEvery: number
}

/** A payload on its way: what its ack acknowledges. */
export interface SentPayload {
  messageId: string
  taskArn: string
  desiredStatus: DesiredStatus
}

/** What a session asks of the hub. */
export interface SessionHost {
  nextSeq (): number
  /** Whether the instance is still registered (not deregistered, not wiped by a reset). */
  registered (session: AcsSession): boolean
  acknowledged (session: AcsSession, sent: SentPayload): void
  manifest (session: AcsSession): TaskIdentifier[]
  stopVerification (session: AcsSession, candidates: TaskIdentifier[]): TaskIdentifier[]
}

export class AcsSession {
  readonly #sent = new Map<string, SentPayload>()
  readonly #manifests = new Set<string>()
  #timer: NodeJS.Timeout | undefined
  #lastHeard = Date.now()
  #beats = 0
  #ended = false

  constructor (readonly host: SessionHost, readonly socket: AgentSocket,
    readonly agent: AgentIdentity, readonly timing: SessionTiming, readonly log: Logger) {}

  get ended (): boolean { return this.#ended }

  /** Payloads sent on this session and not acknowledged yet. */
  get unacknowledged (): SentPayload[] { return [...this.#sent.values()] }

  start (): void {
    this.#timer = setInterval(() => this.#tick(), this.timing.heartbeatMs)
    this.#timer.unref()
  }

  /** The socket closed (either side): timers stop, unacknowledged payloads are forgotten. */
  end (): void {
    this.#ended = true
    clearInterval(this.#timer)
  }

  close (code: number, reason: string): void {
    this.end()
    this.socket.close(code, reason)
  }

  // --- sending ------------------------------------------------------------------------------

  /** One PayloadMessage with one task; it stays unacknowledged until its AckRequest. */
  sendTask (task: AcsTask): SentPayload {
    const sent = { messageId: randomUUID(), taskArn: task.arn, desiredStatus: task.desiredStatus }
    const seqNum = this.host.nextSeq()
    this.#send('PayloadMessage', {
      messageId: sent.messageId,
      clusterArn: this.agent.clusterArn,
      containerInstanceArn: this.agent.containerInstanceArn,
      generatedAt: Date.now(),
      seqNum,
      tasks: [task]
    })
    this.#sent.set(sent.messageId, sent)
    this.log.info({ [F.taskArn]: task.arn, [F.desiredStatus]: task.desiredStatus,
      messageId: sent.messageId, seqNum }, 'payload sent')
    return sent
  }

  sendCredentials (message: Omit<IAMRoleCredentialsMessage, 'messageId'>): string {
    const messageId = randomUUID()
    this.#send('IAMRoleCredentialsMessage', { messageId, ...message })
    this.log.info({ [F.taskArn]: message.taskArn, roleType: message.roleType, messageId,
      credentialsId: message.roleCredentials.credentialsId,
      expiration: message.roleCredentials.expiration }, 'task credentials refreshed')
    return messageId
  }

  #send (type: string, message: object): void {
    if (this.#ended) return
    this.socket.send(frame(type, message))
  }

  #tick (): void {
    const silent = Date.now() - this.#lastHeard
    if (this.agent.protocolVersion >= 2 && silent > this.timing.silenceMs) {
      this.log.warn({ silentMs: silent }, 'agent silent: closing its ACS session')
      this.end()
      this.socket.terminate()
      return
    }
    if (!this.host.registered(this)) {
      // (unconfirmed) how ACS ends the session of a deregistered instance; on reconnecting the
      // agent is refused with InactiveInstanceException and waits an hour
      this.log.info('container instance deregistered: closing its ACS session')
      this.close(1008, 'InactiveInstanceException')
      return
    }
    this.#send('HeartbeatMessage', { healthy: true, messageId: randomUUID() })
    this.#beats++
    if (this.#beats % this.timing.manifestEvery === 0) this.#sendManifest()
  }

  /** The instance's tasks and their desired status; `timeline` above every seqNum before it. */
  #sendManifest (): void {
    const messageId = randomUUID()
    const tasks = this.host.manifest(this)
    this.#send('TaskManifestMessage', {
      messageId,
      clusterArn: this.agent.clusterArn,
      containerInstanceArn: this.agent.containerInstanceArn,
      generatedAt: Date.now(),
      timeline: this.host.nextSeq(),
      tasks
    })
    if (this.#manifests.size >= 100) this.#manifests.clear() // an agent that never acks them
    this.#manifests.add(messageId)
    this.log.debug({ messageId, tasks: tasks.length }, 'task manifest sent')
  }

  // --- receiving ----------------------------------------------------------------------------

  receive (text: string): void {
    this.#lastHeard = Date.now()
    const f = parseFrame(text)
    if (f === undefined) {
      this.log.warn({ length: text.length }, 'unreadable ACS frame')
      return
    }
    switch (f.type) {
      case 'HeartbeatAckRequest': return
      case 'AckRequest': return this.#acknowledged(f.message as AckRequest)
      case 'IAMRoleCredentialsAckRequest': return this.#credentialsAcknowledged(f.message)
      case 'TaskStopVerificationMessage':
        return this.#verifyStops(f.message as TaskStopVerificationMessage)
      default: this.log.debug({ type: f.type }, 'ACS message ignored')
    }
  }

  #acknowledged (ack: AckRequest): void {
    const id = ack.messageId ?? ''
    const sent = this.#sent.get(id)
    if (sent !== undefined) {
      this.#sent.delete(id)
      this.log.info({ [F.taskArn]: sent.taskArn, [F.desiredStatus]: sent.desiredStatus,
        messageId: id }, 'payload acknowledged')
      this.host.acknowledged(this, sent)
      return
    }
    if (this.#manifests.delete(id)) return
    this.log.debug({ messageId: id }, 'ack for no message of this session')
  }

  #credentialsAcknowledged (ack: IAMRoleCredentialsAckRequest): void {
    this.log.debug({ messageId: ack.messageId, credentialsId: ack.credentialsId,
      expiration: ack.expiration }, 'task credentials acknowledged')
  }

  /** The agent runs tasks the manifest left out: those ECS does not want running are stopped. */
  #verifyStops (m: TaskStopVerificationMessage): void {
    const candidates = m.stopCandidates ?? []
    const stopTasks = this.host.stopVerification(this, candidates)
    this.#send('TaskStopVerificationAck',
      { messageId: m.messageId, generatedAt: Date.now(), stopTasks })
    this.log.info({ candidates: candidates.length, stop: stopTasks.map(t => t.taskArn) },
      'task stop verification answered')
  }
}
