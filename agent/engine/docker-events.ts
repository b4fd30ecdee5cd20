/**
 * Docker's event stream, for this instance's containers only (filtered by the instance label):
 * exits (`die`), health changes (`health_status: …`), OOM kills. Reopened after a failure,
 * from the time of the last event seen, so nothing is missed while it was down.
 */
import type Docker from 'dockerode'
import type { Logger } from 'pino'
import { INSTANCE_LABEL } from '../host-network.js'

export interface ContainerEvent {
  id: string
  action: string
  attributes: Record<string, string>
}

interface RawEvent {
  Type?: string
  Action?: string
  Actor?: { ID?: string, Attributes?: Record<string, string> }
  id?: string
  status?: string
  time?: number
  timeNano?: number
}

type EventStream = NodeJS.ReadableStream & { destroy?: () => void }

const RETRY_MS = 1000

export class DockerEvents {
  #stream: EventStream | undefined
  #closed = false
  #since: number | undefined
  #retry: NodeJS.Timeout | undefined

  constructor (
    private readonly docker: Docker,
    private readonly instanceId: string,
    private readonly log: Logger,
    private readonly onEvent: (e: ContainerEvent) => void,
    /** Called after the stream was reopened: events may have been missed in between. */
    private readonly onResume: () => void
  ) {}

  async start (): Promise<void> {
    const filters = { type: ['container'], label: [`${INSTANCE_LABEL}=${this.instanceId}`] }
    const options: Record<string, unknown> = { filters }
    if (this.#since !== undefined) options.since = String(this.#since)
    const stream = await this.docker.getEvents(options) as unknown as EventStream
    this.#stream = stream
    let buffered = ''
    stream.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8')
      const lines = buffered.split('\n')
      buffered = lines.pop() ?? ''
      for (const line of lines) if (line.trim() !== '') this.#event(line)
    })
    const reopen = () => this.#reopen()
    stream.on('end', reopen)
    stream.on('error', reopen)
  }

  close (): void {
    this.#closed = true
    if (this.#retry !== undefined) clearTimeout(this.#retry)
    this.#stream?.destroy?.()
  }

  #event (line: string): void {
    let raw: RawEvent
    try {
      raw = JSON.parse(line) as RawEvent
    } catch {
      return
    }
    if (raw.time !== undefined) this.#since = raw.time
    const id = raw.Actor?.ID ?? raw.id
    const action = raw.Action ?? raw.status
    if (id === undefined || action === undefined) return
    try {
      this.onEvent({ id, action, attributes: raw.Actor?.Attributes ?? {} })
    } catch (e) {
      this.log.error({ err: e, dockerId: id, action }, 'docker event handling failed')
    }
  }

  #reopen (): void {
    if (this.#closed || this.#retry !== undefined) return
    this.#stream = undefined
    this.#retry = setTimeout(() => {
      this.#retry = undefined
      this.start().then(() => this.onResume(), (e: unknown) => {
        this.log.warn({ err: { message: (e as Error).message } }, 'docker events unavailable, retrying')
        this.#reopen()
      })
    }, RETRY_MS)
  }
}
