/**
 * Ships one container's stdout and stderr to its CloudWatch Logs stream: follows Docker's log
 * stream (with timestamps), cuts it into lines, and sends them with `logs:PutLogEvents` in
 * batches (at most 10 000 events or 1 MiB, in time order). A refused batch is dropped and
 * logged, as Docker's driver does; the task still runs.
 */
import type Docker from 'dockerode'
import type { Logger } from 'pino'
import { PutLogEventsCommand, type InputLogEvent } from '@aws-sdk/client-cloudwatch-logs'
import type { ClientFactory, CredentialSource } from './clients.js'

export interface ShipperOptions {
  docker: Docker
  containerId: string
  /** A TTY container's log stream is not multiplexed. */
  tty: boolean
  group: string
  stream: string
  region: string
  clients: ClientFactory
  credentials: CredentialSource
  log: Logger
  /** Resume after this Docker timestamp (nanoseconds since the epoch): lines up to it were sent. */
  after?: bigint
  /** Called after each batch sent, with the newest line's timestamp (nanoseconds). */
  onShipped?: (last: bigint) => void
  flushIntervalMs?: number
}

const MAX_EVENTS = 10_000
const MAX_BYTES = 1_048_576
/** What CloudWatch Logs counts per event beyond its message. */
const EVENT_OVERHEAD = 26

interface Line { ns: bigint, event: InputLogEvent }

export class LogShipper {
  readonly #o: ShipperOptions
  #queue: Line[] = []
  #timer: NodeJS.Timeout | undefined
  #sending: Promise<void> = Promise.resolve()
  #stream: NodeJS.ReadableStream | undefined
  #finished: Promise<void>
  #finish!: () => void
  #closed = false

  constructor (options: ShipperOptions) {
    this.#o = options
    this.#finished = new Promise(resolve => { this.#finish = resolve })
  }

  /** Starts following; resolves once Docker's stream is open. */
  async start (): Promise<void> {
    const since = this.#o.after === undefined ? 0 : secondsOf(this.#o.after)
    try {
      const stream = await this.#o.docker.getContainer(this.#o.containerId).logs({
        follow: true, stdout: true, stderr: true, timestamps: true, since
      } as Docker.ContainerLogsOptions & { follow: true }) as unknown as NodeJS.ReadableStream
      this.#stream = stream
      this.#read(stream)
    } catch (e) {
      this.#o.log.warn({ err: e, dockerId: this.#o.containerId }, 'cannot follow container logs')
      this.#finish()
    }
  }

  /** Resolves when the container's output has ended and every line has been sent. */
  async finished (): Promise<void> { await this.#finished }

  /** Stops following (agent shutdown) and sends what is buffered. */
  async close (): Promise<void> {
    this.#closed = true
    const s = this.#stream as (NodeJS.ReadableStream & { destroy?: () => void }) | undefined
    s?.destroy?.()
    await this.#flush()
    this.#finish()
  }

  #read (stream: NodeJS.ReadableStream): void {
    const partial: Record<number, string> = { 1: '', 2: '' }
    let frames: Buffer = Buffer.alloc(0)
    const text = (kind: number, chunk: Buffer) => {
      const lines = (partial[kind] + chunk.toString('utf8')).split('\n')
      partial[kind] = lines.pop() ?? ''
      for (const line of lines) this.#line(line)
    }
    stream.on('data', (chunk: Buffer) => {
      if (this.#o.tty) return text(1, chunk)
      frames = frames.length === 0 ? chunk : Buffer.concat([frames, chunk])
      while (frames.length >= 8) {
        const length = frames.readUInt32BE(4)
        if (frames.length < 8 + length) break
        text(frames[0] === 2 ? 2 : 1, frames.subarray(8, 8 + length))
        frames = frames.subarray(8 + length)
      }
    })
    let ended = false
    const end = () => {
      if (ended) return
      ended = true
      for (const rest of Object.values(partial)) if (rest !== '') this.#line(rest)
      void this.#flush().then(() => this.#finish())
    }
    stream.on('end', end)
    stream.on('close', end)
    stream.on('error', (e: Error) => {
      if (!this.#closed) this.#o.log.warn({ err: e, dockerId: this.#o.containerId }, 'container log stream failed')
      end()
    })
  }

  /** `2024-01-01T00:00:00.123456789Z message`: Docker's timestamp, then the line. */
  #line (line: string): void {
    const space = line.indexOf(' ')
    const stamp = space < 0 ? line : line.slice(0, space)
    const message = space < 0 ? '' : line.slice(space + 1).replace(/\r$/, '')
    const ns = nanosecondsOf(stamp)
    if (ns === undefined || message === '') return
    if (this.#o.after !== undefined && ns <= this.#o.after) return
    this.#queue.push({ ns, event: { timestamp: Number(ns / 1_000_000n), message } })
    if (this.#queue.length >= MAX_EVENTS) void this.#flush()
    else this.#timer ??= setTimeout(() => { void this.#flush() }, this.#o.flushIntervalMs ?? 500)
  }

  async #flush (): Promise<void> {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    const lines = this.#queue
    this.#queue = []
    if (lines.length > 0) this.#sending = this.#sending.then(async () => await this.#send(lines))
    await this.#sending
  }

  async #send (lines: Line[]): Promise<void> {
    lines.sort((a, b) => a.ns < b.ns ? -1 : a.ns > b.ns ? 1 : 0)
    const { group, stream } = this.#o
    const client = this.#o.clients.logs(this.#o.region, this.#o.credentials)
    try {
      for (const batch of batches(lines)) {
        try {
          await client.send(new PutLogEventsCommand({
            logGroupName: group, logStreamName: stream, logEvents: batch.map(l => l.event)
          }))
        } catch (e) {
          const where = { dockerId: this.#o.containerId, logGroup: group, logStream: stream }
          this.#o.log.warn({ err: e, ...where }, 'log events dropped')
        }
        this.#o.onShipped?.(batch[batch.length - 1].ns)
      }
    } finally {
      client.destroy()
    }
  }
}

function * batches (lines: Line[]): Generator<Line[]> {
  let batch: Line[] = []
  let bytes = 0
  for (const line of lines) {
    const size = Buffer.byteLength(line.event.message!) + EVENT_OVERHEAD
    if (batch.length > 0 && (batch.length >= MAX_EVENTS || bytes + size > MAX_BYTES)) {
      yield batch
      batch = []
      bytes = 0
    }
    batch.push(line)
    bytes += size
  }
  if (batch.length > 0) yield batch
}

/** Docker's RFC 3339 timestamp with up to nine fractional digits, in nanoseconds. */
export function nanosecondsOf (stamp: string): bigint | undefined {
  const m = /^(.+T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(stamp)
  if (m === null) return undefined
  const seconds = Date.parse(`${m[1]}${m[3]}`)
  if (Number.isNaN(seconds)) return undefined
  return BigInt(seconds) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'))
}

/** Docker's `since`: seconds with a nine-digit fraction. */
function secondsOf (ns: bigint): string {
  const s = ns / 1_000_000_000n
  return `${s}.${String(ns % 1_000_000_000n).padStart(9, '0')}`
}
