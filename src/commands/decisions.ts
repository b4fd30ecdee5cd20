/**
 * `ecs-emulator decisions [filters] [--json] [--follow]`: the decision log of a running
 * emulator (`GET /_emulator/decisions`), oldest first as a table, denials marked; `--follow`
 * polls and prints new decisions until Ctrl-C.
 */
import type { DecisionRecord } from '../../store/decisions.js'
import {
  callEmulator, endpointOf, EmulatorUnreachable, EXIT, parseOptions, pause, PROCESS_IO, stopSignal,
  wantsHelp, type CommandIo
} from './io.js'

export const DECISIONS_USAGE = `usage: ecs-emulator decisions [--principal ARN] [--action A] [--decision D]
                              [--on-behalf-of ARN] [--since T] [--limit N] [--json]
                              [--follow [--interval S]] [--endpoint URL]

Every authorization the emulator made, allowed or not: the user's calls and the internal
steps (pulling an image as the execution role, the scheduler acting as the service role).

  --principal ARN      only this principal (as logged: arn:aws:iam::ACCOUNT:user/NAME,
                       arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION)
  --action A           only this action (ecs:RunTask)
  --decision D         Allow, ImplicitDeny or ExplicitDeny
  --on-behalf-of ARN   only the steps taken for this task or service
  --since T            at or after T: epoch seconds, an ISO date, or an age (30s, 10m, 2h, 1d)
  --limit N            at most N, the newest (50; up to 10000)
  --json               the decisions as JSON, newest first ({"decisions": [...]}); with
                       --follow, one decision per line as it is made
  --follow             keep printing new decisions until Ctrl-C
  --interval S         seconds between polls with --follow (1)
  --endpoint URL       the emulator (default AWS_ENDPOINT_URL, else http://127.0.0.1:4566)

examples:
  ecs-emulator decisions --decision ImplicitDeny --since 10m
  ecs-emulator decisions --action ecr:GetAuthorizationToken --json | jq '.decisions[0]'
  ecs-emulator decisions --on-behalf-of arn:aws:ecs:us-east-1:000000000000:task/default/0123abcd
  ecs-emulator decisions --follow
`

const DECISIONS = ['Allow', 'ImplicitDeny', 'ExplicitDeny']
const DEFAULT_LIMIT = 50
/** A poll asks for this many at most; more in one interval are rare and the rest are skipped. */
const FOLLOW_LIMIT = 1000

const SPEC = {
  values: ['--principal', '--action', '--decision', '--on-behalf-of', '--since', '--limit',
    '--interval', '--endpoint'],
  switches: ['--json', '--follow']
}

interface Args {
  endpoint: string
  query: URLSearchParams
  json: boolean
  follow: boolean
  intervalMs: number
}

export async function decisionsCommand (argv: string[], io: CommandIo = PROCESS_IO): Promise<number> {
  if (wantsHelp(argv)) {
    io.out(DECISIONS_USAGE)
    return EXIT.ok
  }
  const args = parseArgs(argv, io.env)
  if (typeof args === 'string') {
    io.err(`ecs-emulator decisions: ${args}\n\n${DECISIONS_USAGE}`)
    return EXIT.usage
  }

  try {
    const first = await fetchDecisions(args.endpoint, args.query)
    if (!args.follow) {
      io.out(args.json ? JSON.stringify({ decisions: first }, null, 2) + '\n' : formatDecisions(first))
      return EXIT.ok
    }
    await follow(args, first.reverse(), io)
    return EXIT.ok
  } catch (e) {
    if (!(e instanceof EmulatorUnreachable)) throw e
    io.err(`ecs-emulator decisions: ${e.message}\n`)
    return EXIT.failed
  }
}

function parseArgs (argv: string[], env: CommandIo['env']): Args | string {
  const parsed = parseOptions(argv, SPEC, { '--endpoint-url': '--endpoint' })
  if (typeof parsed === 'string') return parsed
  if (parsed.positional.length > 0) return `unexpected argument ${parsed.positional[0]}`
  const v = parsed.values
  if (v['--decision'] !== undefined && !DECISIONS.includes(v['--decision'])) {
    return `--decision is one of ${DECISIONS.join(', ')}, not '${v['--decision']}'`
  }
  const limit = v['--limit'] ?? String(DEFAULT_LIMIT)
  if (!/^\d+$/.test(limit) || Number(limit) < 1 || Number(limit) > 10_000) {
    return `--limit is a whole number from 1 to 10000, not '${limit}'`
  }
  const interval = Number(v['--interval'] ?? 1)
  if (!Number.isFinite(interval) || interval <= 0) {
    return `--interval is seconds above 0, not '${v['--interval']}'`
  }
  const since = v['--since'] === undefined ? undefined : sinceOf(v['--since'], Date.now())
  if (since === null) {
    return `--since takes epoch seconds, an ISO date or an age such as 10m, not '${v['--since']}'`
  }

  const query = new URLSearchParams({ limit })
  const filters: [string, string | undefined][] = [['principal', v['--principal']],
    ['action', v['--action']], ['decision', v['--decision']], ['onBehalfOf', v['--on-behalf-of']],
    ['since', since === undefined ? undefined : String(since)]]
  for (const [key, value] of filters) if (value !== undefined) query.set(key, value)
  return {
    endpoint: endpointOf(parsed, env), query, json: parsed.switches.has('--json'),
    follow: parsed.switches.has('--follow'), intervalMs: interval * 1000
  }
}

const AGE_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 }

/** Epoch seconds from epoch seconds, an ISO date or an age before `now`; null when none fits. */
export function sinceOf (text: string, now: number): number | null {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text)
  const age = /^(\d+(?:\.\d+)?)([smhd])$/.exec(text)
  if (age !== null) return now / 1000 - Number(age[1]) * AGE_UNITS[age[2]]
  const date = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : NaN
  return Number.isNaN(date) ? null : date / 1000
}

/** Newest first, as the endpoint answers. */
async function fetchDecisions (endpoint: string, query: URLSearchParams): Promise<DecisionRecord[]> {
  const path = `/_emulator/decisions?${query}`
  const { body } = await callEmulator<{ decisions?: DecisionRecord[] }>(endpoint, path)
  if (!Array.isArray(body.decisions)) {
    throw new EmulatorUnreachable(
      `${endpoint} did not answer /_emulator/decisions with a decision log: is it an ecs-emulator?`)
  }
  return body.decisions
}

// --- follow ---------------------------------------------------------------------------------

/**
 * Prints what is there, then every poll's decisions made since the last one printed. A
 * decision is new when it is later than the last printed, or as late but not yet printed
 * (ids restart after a reset, times do not).
 */
async function follow (args: Args, first: DecisionRecord[], io: CommandIo): Promise<void> {
  const signal = stopSignal(io)
  const print = (rows: DecisionRecord[], header: boolean): void => {
    if (args.json) for (const r of rows) io.out(JSON.stringify(r) + '\n')
    else if (rows.length > 0) io.out(formatRows(rows, header))
  }
  print(first, true)
  if (!args.json) {
    io.err(first.length === 0 ? 'waiting for decisions (Ctrl-C stops)\n' : '(following: Ctrl-C stops)\n')
  }
  let last = first.at(-1)?.time ?? Date.now() / 1000 - 1
  let printedAtLast = new Set(first.filter(r => r.time === last).map(r => r.id))
  let headerShown = first.length > 0

  while (!signal.aborted) {
    await pause(args.intervalMs, signal)
    if (signal.aborted) break
    const query = new URLSearchParams(args.query)
    query.set('since', String(last))
    query.set('limit', String(FOLLOW_LIMIT))
    const fresh = (await fetchDecisions(args.endpoint, query)).reverse()
      .filter(r => r.time > last || !printedAtLast.has(r.id))
    if (fresh.length === 0) continue
    print(fresh, !headerShown)
    headerShown = true
    const newest = fresh.at(-1)!.time
    if (newest > last) printedAtLast = new Set()
    last = newest
    for (const r of fresh) if (r.time === last) printedAtLast.add(r.id)
  }
}

// --- the table ------------------------------------------------------------------------------

const COLUMNS = ['TIME', 'PRINCIPAL', 'ACTION', 'RESOURCE', 'DECISION']

/** Newest first in, oldest first out (the newest beside the prompt), and a hint on denials. */
export function formatDecisions (newestFirst: DecisionRecord[]): string {
  if (newestFirst.length === 0) return 'no decisions match\n'
  const rows = [...newestFirst].reverse()
  const denied = rows.filter(r => r.decision !== 'Allow')
  let text = formatRows(rows, true)
  if (denied.length > 0) {
    const example = denied.at(-1)!.requestId
    text += `\n${denied.length} of ${rows.length} denied (✗; ~ under --iam soft, not enforced): ` +
      `\`ecs-emulator explain ${example}\` says why\n`
  }
  return text
}

/**
 * Columns as wide as their widest cell, but the resource column at most 72: a longer ARN
 * shifts its own row's decision, not every row's.
 */
function formatRows (rows: DecisionRecord[], header: boolean): string {
  const cells = rows.map(r => [timeOf(r.time), r.principal, r.action, r.resource, decisionCell(r)])
  const widths = COLUMNS.map((c, i) => Math.min(i === 3 ? 72 : 200,
    Math.max(c.length, ...cells.map(row => row[i].length))))
  const line = (row: string[]): string =>
    row.map((cell, i) => i === row.length - 1 ? cell : cell.padEnd(widths[i])).join('  ').trimEnd()
  return [...(header ? [line(COLUMNS)] : []), ...cells.map(line)].join('\n') + '\n'
}

function decisionCell (r: DecisionRecord): string {
  if (r.decision === 'Allow') return 'Allow'
  return r.enforced ? `✗ ${r.decision}` : `~ ${r.decision} (soft)`
}

/** UTC, to the millisecond: `2026-12-03 20:45:01.123`. */
const timeOf = (epochSeconds: number): string =>
  new Date(epochSeconds * 1000).toISOString().replace('T', ' ').replace('Z', '')
