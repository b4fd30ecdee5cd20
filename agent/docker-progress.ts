/**
 * A Docker progress stream (a pull, a push, a build) followed to its end: the daemon reports
 * a failure as an `error` event in the stream, not as the HTTP status, so the first such
 * event is the rejection. `onEvent` sees each event as it arrives (a pull's progress).
 */
import type Docker from 'dockerode'

/** One line of the stream, as the daemon writes it (`docker pull`'s per-layer lines). */
export interface ProgressEvent {
  /** The layer, for per-layer lines. */
  id?: string
  status?: string
  progressDetail?: { current?: number, total?: number }
  error?: string
}

export async function followProgress (docker: Docker, stream: NodeJS.ReadableStream,
  onEvent?: (event: ProgressEvent) => void): Promise<void> {
  await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream,
    (e: Error | null, events: ProgressEvent[]) => {
      const failed = events?.find(x => x.error !== undefined)?.error
      if (e !== null || failed !== undefined) reject(new Error(failed ?? e?.message))
      else resolve()
    }, onEvent))
}

/** Bytes a pull has downloaded so far, over every layer whose size is known. */
export interface Transferred { current: number, total: number }

/**
 * A pull's download progress, summed over its layers, told at most once per `everyMs` and
 * only when bytes moved since the last time: a pull of many layers writes hundreds of events
 * a second, and a stalled one none worth repeating. Extraction is not counted (it reads the
 * same bytes again).
 */
export class PullProgress {
  readonly #layers = new Map<string, Transferred>()
  #toldAt: number
  #toldBytes = 0

  constructor (private readonly everyMs = 2000, private readonly clock: () => number = Date.now) {
    this.#toldAt = clock()
  }

  /** The totals when it is time to tell them, else undefined. */
  add (event: ProgressEvent): Transferred | undefined {
    if (event.id === undefined || !this.#count(event.id, event)) return undefined
    const now = this.clock()
    const sum = this.totals()
    if (now - this.#toldAt < this.everyMs || sum.current <= this.#toldBytes) return undefined
    this.#toldAt = now
    this.#toldBytes = sum.current
    return sum
  }

  totals (): Transferred {
    let current = 0
    let total = 0
    for (const l of this.#layers.values()) {
      current += l.current
      total += l.total
    }
    return { current, total }
  }

  /** True when the event moved the layer's count. */
  #count (id: string, event: ProgressEvent): boolean {
    const layer = this.#layers.get(id)
    if (event.status === 'Downloading') {
      const total = event.progressDetail?.total ?? layer?.total ?? 0
      this.#layers.set(id, { current: event.progressDetail?.current ?? 0, total })
      return true
    }
    if (event.status === 'Download complete' && layer !== undefined) {
      this.#layers.set(id, { ...layer, current: layer.total })
      return true
    }
    return false
  }
}

/** `12.3 of 58.0 MB`, in Docker's decimal megabytes. */
export function megabytes (t: Transferred): string {
  const mb = (n: number): string => (n / 1e6).toFixed(1)
  return `${mb(t.current)} of ${mb(t.total)} MB`
}
