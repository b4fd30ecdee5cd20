/**
 * What every command shares: where it writes (so that tests run commands in-process), the
 * emulator it talks to, and the words it uses when that emulator does not answer.
 */

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:4566'

export interface CommandIo {
  out: (text: string) => void
  err: (text: string) => void
  env: Record<string, string | undefined>
  /** Ends a command that runs until stopped (`up`, `decisions --follow`); else SIGINT/SIGTERM. */
  signal?: AbortSignal
}

export const PROCESS_IO: CommandIo = {
  out: text => { process.stdout.write(text) },
  err: text => { process.stderr.write(text) },
  env: process.env
}

/** Exit codes: done, failed, bad usage. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const

/** The command's own signal, or one that aborts on the first SIGINT or SIGTERM. */
export function stopSignal (io: CommandIo): AbortSignal {
  if (io.signal !== undefined) return io.signal
  const stop = new AbortController()
  const abort = (): void => stop.abort()
  process.once('SIGINT', abort)
  process.once('SIGTERM', abort)
  stop.signal.addEventListener('abort', () => {
    process.off('SIGINT', abort)
    process.off('SIGTERM', abort)
  }, { once: true })
  return stop.signal
}

/** Resolves after `ms`, or at once when the signal aborts. */
export async function pause (ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return
  await new Promise<void>(resolve => {
    // The listener goes too: a command pauses hundreds of times on one signal.
    const done = (): void => {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}

// --- options --------------------------------------------------------------------------------

export interface Parsed {
  values: Record<string, string>
  switches: Set<string>
  positional: string[]
}

/**
 * `--name value`, `--name=value` and bare switches; a string is what is wrong. `aliases`
 * maps another spelling to its option (`--endpoint-url` to `--endpoint`).
 */
export function parseOptions (argv: readonly string[], spec: { values: string[], switches: string[] },
  aliases: Record<string, string> = {}): Parsed | string {
  const parsed: Parsed = { values: {}, switches: new Set(), positional: [] }
  for (let i = 0; i < argv.length; i++) {
    if (!argv[i].startsWith('-') || argv[i] === '-') {
      parsed.positional.push(argv[i])
      continue
    }
    const [raw, inline] = argv[i].split(/=(.*)/s, 2)
    const name = aliases[raw] ?? raw
    if (spec.switches.includes(name) && inline === undefined) parsed.switches.add(name)
    else if (spec.values.includes(name)) {
      const value = inline ?? argv[++i]
      const missing = value === undefined || (inline === undefined && value.startsWith('--'))
      if (missing) return `${raw} needs a value`
      parsed.values[name] = value
    } else return `unknown option ${raw}`
  }
  return parsed
}

export const wantsHelp = (argv: readonly string[]): boolean =>
  argv.includes('--help') || argv.includes('-h')

/**
 * A command's options that take no argument besides them: the parsed options, or the exit
 * code once `--help` is printed or what is wrong is said (with the usage).
 */
export function commandOptions (name: string, argv: readonly string[],
  spec: { values: string[], switches: string[] }, usage: string, io: CommandIo): Parsed | number {
  if (wantsHelp(argv)) {
    io.out(usage)
    return EXIT.ok
  }
  const parsed = parseOptions(argv, spec, { '--endpoint-url': '--endpoint' })
  if (typeof parsed === 'string' || parsed.positional.length > 0) {
    const problem = typeof parsed === 'string' ? parsed : `unexpected argument ${parsed.positional[0]}`
    io.err(`ecs-emulator ${name}: ${problem}\n\n${usage}`)
    return EXIT.usage
  }
  return parsed
}

// --- the emulator ---------------------------------------------------------------------------

/** `--endpoint`, else AWS_ENDPOINT_URL, else the default port on loopback. */
export function endpointOf (parsed: Parsed, env: CommandIo['env']): string {
  const url = parsed.values['--endpoint'] ?? env.AWS_ENDPOINT_URL ?? DEFAULT_ENDPOINT
  return url.replace(/\/+$/, '')
}

export class EmulatorUnreachable extends Error {
  readonly code = 'ECS_EMULATOR_UNREACHABLE'
}

export const noEmulatorMessage = (endpoint: string): string =>
  `No emulator answers at ${endpoint}: start one with \`npm start\` (or \`ecs-emulator up\`), or pass --endpoint`

const REQUEST_TIMEOUT_MS = 10_000

/**
 * Calls one of the emulator's own endpoints and reads its JSON answer. EmulatorUnreachable
 * when nothing answers, or when what answers is not an emulator.
 */
export async function callEmulator<T> (endpoint: string, path: string,
  init: { method?: string } = {}): Promise<{ status: number, body: T }> {
  let res: Response
  try {
    const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS)
    res = await fetch(`${endpoint}${path}`, { method: init.method ?? 'GET', signal })
  } catch (e) {
    throw new EmulatorUnreachable(`${noEmulatorMessage(endpoint)} (${causeOf(e)})`)
  }
  const body = await res.json().catch(() => undefined) as T | undefined
  if (body === undefined || (res.status >= 400 && res.status !== 404)) {
    throw new EmulatorUnreachable(`${endpoint} answered ${path.split('?')[0]} with HTTP ${res.status}: ` +
      'is it an ecs-emulator? Pass the emulator\'s URL with --endpoint')
  }
  return { status: res.status, body }
}

/** The innermost reason fetch gives: ECONNREFUSED, ENOTFOUND, a timeout. */
function causeOf (e: unknown): string {
  const cause = (e as { cause?: { code?: string, message?: string } }).cause
  if ((e as Error).name === 'TimeoutError') return `no answer in ${REQUEST_TIMEOUT_MS / 1000} s`
  return cause?.code ?? cause?.message ?? (e as Error).message
}
