/**
 * `ecs-emulator wait WAITER ...`: `aws ecs wait services-stable | tasks-running | tasks-stopped`
 * against a running emulator, with the same success and failure conditions (botocore's
 * data/ecs/2014-11-13/waiters-2.json, in its acceptor order) and the same failure reasons, but
 * saying on stderr what changes while it waits: each service's counts and deployment and its
 * new events, each task's status. Signs as the user (AWS_ACCESS_KEY_ID, ... from the
 * environment), so the waits are authorized as the user's own DescribeServices/DescribeTasks.
 */
import {
  DescribeServicesCommand, DescribeTasksCommand, ECSClient, type DescribeServicesCommandOutput,
  type DescribeTasksCommandOutput, type Failure, type Service, type Task
} from '@aws-sdk/client-ecs'
import {
  endpointOf, EXIT, noEmulatorMessage, parseOptions, pause, PROCESS_IO, stopSignal, wantsHelp,
  type CommandIo
} from './io.js'

export const WAIT_USAGE = `usage: ecs-emulator wait services-stable [--cluster C] --services S [S...]
       ecs-emulator wait tasks-running [--cluster C] --tasks T [T...]
       ecs-emulator wait tasks-stopped [--cluster C] --tasks T [T...]
                          [--timeout SECONDS] [--interval SECONDS] [--json] [--endpoint URL]

Waits as \`aws ecs wait\` does, and says what changes meanwhile (on stderr): each service's
running and pending counts, its deployment and its new events; each task's status.

  services-stable   every service ACTIVE with one deployment and runningCount == desiredCount;
                    fails when one is MISSING, DRAINING or INACTIVE
  tasks-running     every task RUNNING; fails when one is STOPPED or MISSING
  tasks-stopped     every task STOPPED

  --cluster C       the cluster's name or ARN (default: the default cluster)
  --services S...   service names or ARNs (up to 10)
  --tasks T...      task ids or ARNs (up to 100)
  --timeout S       give up after S seconds, exit 1 saying what is not ready (600)
  --interval S      seconds between describes (1)
  --json            no progress; print the last describe result as JSON at the end
  --endpoint URL    the emulator (default AWS_ENDPOINT_URL, else http://127.0.0.1:4566)

Signs with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN (or the SDK's other
sources), in AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1. Exit codes: 0 the waiter
succeeded, 1 it failed or timed out, 2 bad usage.

examples:
  ecs-emulator wait services-stable --cluster demo --services web
  ecs-emulator wait tasks-running --cluster demo --tasks "$(aws ecs run-task --cluster demo \\
      --task-definition web --query 'tasks[0].taskArn' --output text)"
  ecs-emulator wait tasks-stopped --tasks 0123abcd4567ef89 --timeout 120
  ecs-emulator wait services-stable --services web api --json | jq '.services[].runningCount'
`

const SPEC = { values: ['--cluster', '--timeout', '--interval', '--endpoint'], switches: ['--json'] }
const LISTS = ['--services', '--tasks']

// --- the waiters, as botocore defines them ---------------------------------------------------

type Described = DescribeServicesCommandOutput | DescribeTasksCommandOutput

/** One acceptor of waiters-2.json: `select` evaluates its JMESPath `argument`. */
interface Acceptor {
  state: 'success' | 'failure'
  matcher: 'path' | 'pathAll' | 'pathAny'
  argument: string
  expected: string | boolean
  select: (out: any) => unknown
}

interface Waiter {
  name: string
  list: '--services' | '--tasks'
  acceptors: Acceptor[]
}

const reasons = (out: { failures?: Failure[] }): unknown[] => (out.failures ?? []).map(f => f.reason)
const serviceStatuses = (out: { services?: Service[] }): unknown[] => (out.services ?? []).map(s => s.status)
const taskStatuses = (out: { tasks?: Task[] }): unknown[] => (out.tasks ?? []).map(t => t.lastStatus)

/** ServicesStable's success, per service: one deployment, and as many running as desired. */
const isStable = (s: Service): boolean => (s.deployments ?? []).length === 1 && s.runningCount === s.desiredCount

const acceptor = (state: Acceptor['state'], matcher: Acceptor['matcher'], argument: string,
  expected: Acceptor['expected'], select: Acceptor['select']): Acceptor =>
  ({ state, matcher, argument, expected, select })

const MISSING = acceptor('failure', 'pathAny', 'failures[].reason', 'MISSING', reasons)
const STABLE = 'length(services[?!(length(deployments) == `1` && runningCount == desiredCount)]) == `0`'

const WAITERS: Record<string, Waiter> = {
  'services-stable': {
    name: 'ServicesStable',
    list: '--services',
    acceptors: [
      MISSING,
      acceptor('failure', 'pathAny', 'services[].status', 'DRAINING', serviceStatuses),
      acceptor('failure', 'pathAny', 'services[].status', 'INACTIVE', serviceStatuses),
      acceptor('success', 'path', STABLE, true,
        (out: DescribeServicesCommandOutput) => (out.services ?? []).every(isStable))
    ]
  },
  'tasks-running': {
    name: 'TasksRunning',
    list: '--tasks',
    acceptors: [
      acceptor('failure', 'pathAny', 'tasks[].lastStatus', 'STOPPED', taskStatuses),
      MISSING,
      acceptor('success', 'pathAll', 'tasks[].lastStatus', 'RUNNING', taskStatuses)
    ]
  },
  'tasks-stopped': {
    name: 'TasksStopped',
    list: '--tasks',
    acceptors: [acceptor('success', 'pathAll', 'tasks[].lastStatus', 'STOPPED', taskStatuses)]
  }
}

/** botocore's matchers: pathAll is false for an empty list. */
function matches (a: Acceptor, out: Described): boolean {
  const value = a.select(out)
  if (a.matcher === 'path') return value === a.expected
  const list = value as unknown[]
  if (a.matcher === 'pathAny') return list.includes(a.expected)
  return list.length > 0 && list.every(v => v === a.expected)
}

/** botocore's words for the acceptor that matched. */
function explanation (a: Acceptor): string {
  const expected = String(a.expected)
  if (a.matcher === 'path') return `For expression "${a.argument}" we matched expected path: "${expected}"`
  if (a.matcher === 'pathAll') return `For expression "${a.argument}" all members matched expected path: "${expected}"`
  return `For expression "${a.argument}" we matched expected path: "${expected}" at least once`
}

/** The first acceptor that matches, in order, as botocore takes them. */
const accepted = (w: Waiter, out: Described): Acceptor | undefined =>
  w.acceptors.find(a => matches(a, out))

// --- options ---------------------------------------------------------------------------------

interface Args {
  waiter: Waiter
  cluster?: string
  ids: string[]
  timeoutMs: number
  intervalMs: number
  json: boolean
  endpoint: string
}

/** `--services a b c` / `--tasks a b`: the values up to the next option. */
function takeLists (argv: string[]): { rest: string[], lists: Map<string, string[]> } {
  const rest: string[] = []
  const lists = new Map<string, string[]>()
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].split(/=(.*)/s, 2)
    if (!LISTS.includes(name)) {
      rest.push(argv[i])
      continue
    }
    const values = lists.get(name) ?? []
    if (inline !== undefined) values.push(...inline.split(/[ ,]+/).filter(v => v !== ''))
    while (inline === undefined && i + 1 < argv.length && !argv[i + 1].startsWith('--')) values.push(argv[++i])
    lists.set(name, values)
  }
  return { rest, lists }
}

const seconds = (raw: string | undefined, fallback: number, name: string): number | string => {
  if (raw === undefined) return fallback * 1000
  const n = Number(raw)
  return Number.isFinite(n) && n > 0 ? n * 1000 : `${name} is a number of seconds above 0, not '${raw}'`
}

function parseArgs (argv: string[], env: CommandIo['env']): Args | string {
  const { rest, lists } = takeLists(argv)
  const parsed = parseOptions(rest, SPEC, { '--endpoint-url': '--endpoint' })
  if (typeof parsed === 'string') return parsed
  const [name, extra] = parsed.positional
  if (name === undefined) return `which waiter? one of ${Object.keys(WAITERS).join(', ')}`
  const waiter = WAITERS[name]
  if (waiter === undefined) return `unknown waiter '${name}': one of ${Object.keys(WAITERS).join(', ')}`
  if (extra !== undefined) return `unexpected argument ${extra}`
  const other = LISTS.find(l => l !== waiter.list && lists.has(l))
  if (other !== undefined) return `${name} takes ${waiter.list}, not ${other}`
  const ids = lists.get(waiter.list) ?? []
  if (ids.length === 0) return `${name} needs ${waiter.list} with at least one ${waiter.list.slice(2, -1)}`
  const timeoutMs = seconds(parsed.values['--timeout'], 600, '--timeout')
  const intervalMs = seconds(parsed.values['--interval'], 1, '--interval')
  if (typeof timeoutMs === 'string') return timeoutMs
  if (typeof intervalMs === 'string') return intervalMs
  return {
    waiter, cluster: parsed.values['--cluster'], ids, timeoutMs, intervalMs,
    json: parsed.switches.has('--json'), endpoint: endpointOf(parsed, env)
  }
}

// --- the command -------------------------------------------------------------------------------

export async function waitCommand (argv: string[], io: CommandIo = PROCESS_IO): Promise<number> {
  if (wantsHelp(argv)) {
    io.out(WAIT_USAGE)
    return EXIT.ok
  }
  const args = parseArgs(argv, io.env)
  if (typeof args === 'string') {
    io.err(`ecs-emulator wait: ${args}\n\n${WAIT_USAGE}`)
    return EXIT.usage
  }
  const client = ecsClient(args.endpoint, io.env)
  try {
    return await poll(args, client, io)
  } catch (e) {
    io.err(`ecs-emulator wait: ${callProblem(e, args)}\n`)
    return EXIT.failed
  } finally {
    client.destroy()
  }
}

function ecsClient (endpoint: string, env: CommandIo['env']): ECSClient {
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1'
  const given = env.AWS_ACCESS_KEY_ID !== undefined && env.AWS_SECRET_ACCESS_KEY !== undefined
  // Without keys in the environment, the SDK's own chain (profiles, SSO) is asked.
  const credentials = given
    ? {
        accessKeyId: env.AWS_ACCESS_KEY_ID!,
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY!,
        sessionToken: env.AWS_SESSION_TOKEN
      }
    : undefined
  return new ECSClient({ endpoint, region, credentials, maxAttempts: 2 })
}

async function describe (args: Args, client: ECSClient): Promise<Described> {
  const cluster = args.cluster
  if (args.waiter.list === '--services') {
    return await client.send(new DescribeServicesCommand({ cluster, services: args.ids }))
  }
  return await client.send(new DescribeTasksCommand({ cluster, tasks: args.ids }))
}

/** Describes until an acceptor decides or the time is up; says what changed as it goes. */
async function poll (args: Args, client: ECSClient, io: CommandIo): Promise<number> {
  const signal = stopSignal(io)
  const progress = new Progress(Date.now())
  const deadline = Date.now() + args.timeoutMs
  for (;;) {
    const out = await describe(args, client)
    if (!args.json) for (const line of progress.lines(out)) io.err(line + '\n')
    const decided = accepted(args.waiter, out)
    if (decided?.state === 'success') return finish(args, out, io, EXIT.ok)
    if (decided?.state === 'failure') {
      io.err(`ecs-emulator wait: Waiter ${args.waiter.name} failed: Waiter encountered a terminal ` +
        `failure state: ${explanation(decided)}${hint(out)}\n`)
      return finish(args, out, io, EXIT.failed)
    }
    const left = deadline - Date.now()
    if (left <= 0 || signal.aborted) {
      const why = signal.aborted ? 'stopped' : `not done after ${args.timeoutMs / 1000} s`
      io.err(`ecs-emulator wait: Waiter ${args.waiter.name} failed: ${why}; still waiting for: ` +
        `${notReady(args.waiter, out).join('; ')}\n`)
      return finish(args, out, io, EXIT.failed)
    }
    await pause(Math.min(args.intervalMs, left), signal)
  }
}

function finish (args: Args, out: Described, io: CommandIo, code: number): number {
  const { $metadata: _m, ...result } = out
  if (args.json) io.out(JSON.stringify(result, null, 2) + '\n')
  else if (code === EXIT.ok) io.out(done(args) + '\n')
  return code
}

function done (args: Args): string {
  const names = args.ids.map(shortName).join(', ')
  if (args.waiter.list === '--services') return `stable: ${names}`
  return `${args.waiter.name === 'TasksRunning' ? 'running' : 'stopped'}: ${names}`
}

/** After a failure: why each stopped task stopped, and where to look further. */
function hint (out: Described): string {
  const stopped = ('tasks' in out ? out.tasks ?? [] : []).filter(t => t.lastStatus === 'STOPPED')
  const lines = stopped.map(t => `\n  ${taskLine(t)}` +
    (t.stopCode === 'TaskFailedToStart' ? `\n  why: ecs-emulator explain ${t.taskArn ?? ''}` : ''))
  const missing = (out.failures ?? []).map(f => `\n  ${shortName(f.arn ?? '')}: ${f.reason ?? ''}`)
  return [...lines, ...missing].join('')
}

/** What keeps the waiter from succeeding, one entry per service or task. */
function notReady (w: Waiter, out: Described): string[] {
  const missing = (out.failures ?? []).map(f => `${shortName(f.arn ?? '')}: ${f.reason ?? ''}`)
  if ('services' in out) {
    return [...(out.services ?? []).filter(s => !isStable(s)).map(serviceLine), ...missing]
  }
  const want = w.name === 'TasksRunning' ? 'RUNNING' : 'STOPPED'
  const tasks = 'tasks' in out ? out.tasks ?? [] : []
  return [...tasks.filter(t => t.lastStatus !== want).map(taskLine), ...missing]
}

/** What went wrong with a call, and what to do about it. */
function callProblem (e: unknown, args: Args): string {
  const err = e as { name?: string, code?: string, message?: string, $metadata?: { httpStatusCode?: number } }
  if (err.name === 'CredentialsProviderError') {
    return 'no AWS credentials: export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test ' +
      '(the account\'s root user), or another user\'s keys'
  }
  if (err.$metadata?.httpStatusCode === undefined) {
    return `${noEmulatorMessage(args.endpoint)} (${err.code ?? err.message ?? String(e)})`
  }
  // botocore's words for an error no acceptor matches.
  return `Waiter ${args.waiter.name} failed: An error occurred (${err.name ?? 'Unknown'}): ${err.message ?? 'Unknown'}`
}

// --- progress ----------------------------------------------------------------------------------

/** `web` for a service ARN, `1a2b3c4d…` for a task id or ARN. */
function shortName (ref: string): string {
  const last = ref.split('/').pop() ?? ref
  return /^[0-9a-f]{32}$/.test(last) ? `${last.slice(0, 8)}…` : last
}

function serviceLine (s: Service): string {
  const deployments = s.deployments ?? []
  const primary = deployments.find(d => d.status === 'PRIMARY') ?? deployments[0]
  const state = primary?.rolloutState ?? primary?.status ?? 'none'
  const rollout = deployments.length > 1
    ? `${deployments.length} deployments, primary ${state}`
    : `deployment ${state}`
  const status = s.status === 'ACTIVE' ? '' : `${s.status ?? ''}, `
  return `${s.serviceName ?? ''}: ${status}${s.runningCount ?? 0} of ${s.desiredCount ?? 0} running, ` +
    `${s.pendingCount ?? 0} pending, ${rollout}`
}

function taskLine (t: Task): string {
  const reason = t.lastStatus === 'STOPPED' && t.stoppedReason !== undefined ? ` (${t.stoppedReason})` : ''
  return `task ${shortName(t.taskArn ?? '')}: ${t.lastStatus ?? ''}${reason}`
}

/**
 * What changed since the last describe: a line per service or task whose line differs, and
 * the services' events added since the wait began, oldest first.
 */
class Progress {
  readonly #last = new Map<string, string>()
  readonly #seen = new Set<string>()

  constructor (private readonly startedAt: number) {}

  lines (out: Described): string[] {
    const subjects: Array<[string, string]> = 'services' in out
      ? (out.services ?? []).map(s => [s.serviceArn ?? '', serviceLine(s)])
      : ('tasks' in out ? out.tasks ?? [] : []).map(t => [t.taskArn ?? '', taskLine(t)])
    for (const f of out.failures ?? []) subjects.push([f.arn ?? '', `${shortName(f.arn ?? '')}: ${f.reason ?? ''}`])
    const changed = subjects.filter(([key, line]) => this.#last.get(key) !== line)
    for (const [key, line] of changed) this.#last.set(key, line)
    return [...this.#events(out), ...changed.map(([, line]) => line)]
  }

  #events (out: Described): string[] {
    const events = ('services' in out ? out.services ?? [] : []).flatMap(s => s.events ?? [])
      .filter(e => e.id !== undefined && !this.#seen.has(e.id) &&
        (e.createdAt?.getTime() ?? 0) >= this.startedAt - 1000)
      .sort((a, b) => (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0))
    for (const e of events) this.#seen.add(e.id!)
    return events.map(e => `  ${e.message ?? ''}`)
  }
}
