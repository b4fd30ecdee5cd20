/**
 * The dashboard: `GET /_emulator/ui` (one page, its CSS and script inline, no build step),
 * `GET /_emulator/ui/state` (the read model as JSON) and `GET /_emulator/ui/events`
 * (server-sent events: a `snapshot` on connecting, then a `delta` whenever something changed).
 * Unauthenticated, like every `/_emulator/*` endpoint: it is a local tool.
 */
import type { ServerResponse } from 'node:http'
import { performance } from 'node:perf_hooks'
import type { FastifyInstance } from 'fastify'
import type { Emulator } from '../../src/emulator.js'
import { UiState, type Delta } from './state.js'
import { PAGE } from './page.js'

/**
 * How often the feed looks for changes while a page is connected (milliseconds): every 250 ms,
 * or ten times as long as the last look took (at most 2 s), so that it never takes more than a
 * tenth of the process (a look costs about 20 ms with 5,000 tasks when one of them changed).
 */
const LOOK_MS = 250
const MAX_LOOK_MS = 2_000
/** A comment line this often keeps proxies and the browser from dropping a quiet stream. */
const HEARTBEAT_MS = 15_000

export function registerUiRoutes (app: FastifyInstance, emulator: Emulator): void {
  const feed = new UiFeed(emulator)
  // Before the server closes: it waits for every open connection, and a page's stream stays open.
  app.addHook('preClose', async () => { feed.close() })

  app.get('/_emulator/ui', async (_req, reply) => {
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(PAGE)
  })

  app.get('/_emulator/ui/state', async () => feed.snapshot())

  app.get('/_emulator/ui/events', (req, reply) => {
    reply.hijack()
    const res = reply.raw
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive'
    })
    feed.add(res)
    req.raw.on('close', () => feed.drop(res))
  })
}

/** One per emulator: looks for changes while at least one page listens, and tells every page. */
class UiFeed {
  readonly #clients = new Set<ServerResponse>()
  #state: UiState | undefined
  #timer: NodeJS.Timeout | undefined
  #heartbeat: NodeJS.Timeout | undefined

  constructor (readonly emulator: Emulator) {}

  snapshot (): ReturnType<UiState['snapshot']> {
    this.#look()
    return this.#current().snapshot()
  }

  add (res: ServerResponse): void {
    res.write(event('snapshot', this.snapshot()))
    this.#clients.add(res)
    if (this.#timer === undefined) this.#next(LOOK_MS)
    this.#heartbeat ??= setInterval(() => this.#broadcast(': heartbeat\n\n'), HEARTBEAT_MS).unref()
  }

  drop (res: ServerResponse): void {
    this.#clients.delete(res)
    if (this.#clients.size === 0) this.#stop()
  }

  close (): void {
    for (const res of this.#clients) res.end()
    this.#clients.clear()
    this.#stop()
  }

  #next (ms: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      const started = performance.now()
      this.#look()
      const took = performance.now() - started
      if (this.#clients.size > 0) this.#next(Math.min(MAX_LOOK_MS, Math.max(LOOK_MS, took * 10)))
    }, ms).unref()
  }

  #stop (): void {
    clearTimeout(this.#timer)
    clearInterval(this.#heartbeat)
    this.#timer = this.#heartbeat = undefined
  }

  #current (): UiState {
    this.#state ??= new UiState(this.emulator)
    return this.#state
  }

  /** A look that fails (the database closing under it) is skipped: the next one tries again. */
  #look (): void {
    let delta: Delta | undefined
    try {
      delta = this.#current().look()
    } catch (e) {
      this.emulator.log.debug({ err: { message: (e as Error).message } }, 'dashboard look failed')
      return
    }
    if (delta !== undefined && this.#clients.size > 0) this.#broadcast(event('delta', delta))
  }

  #broadcast (text: string): void {
    for (const res of this.#clients) if (!res.destroyed) res.write(text)
  }
}

const event = (name: string, data: unknown): string => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`
