/**
 * `ecs-emulator explain SUBJECT [--endpoint URL] [--json]`: asks a running emulator's
 * `GET /_emulator/explain` and prints the chain, the decision, the policies, why and the fix.
 * Exit code 0 when explained, 1 when nothing is known (or the emulator does not answer),
 * 2 on bad usage.
 */
import { noEmulatorMessage } from '../commands/io.js'
import type { Explanation } from './explain.js'

export const EXPLAIN_USAGE = `usage: ecs-emulator explain SUBJECT [--endpoint URL] [--json] [--since EPOCH_SECONDS]

  SUBJECT   a task, service, container instance or target group ARN, an EC2 instance id
            (i-...), or a request id
  --endpoint URL   the emulator (default AWS_ENDPOINT_URL, else http://127.0.0.1:4566)
  --json           print the explanation as JSON
  --since T        only decisions made at or after T (epoch seconds)
`

const DEFAULT_ENDPOINT = 'http://127.0.0.1:4566'

export interface CommandIo {
  out: (text: string) => void
  err: (text: string) => void
  env: Record<string, string | undefined>
}

const PROCESS_IO: CommandIo = {
  out: text => { process.stdout.write(text) },
  err: text => { process.stderr.write(text) },
  env: process.env
}

interface Args { subject: string, endpoint: string, json: boolean, since?: string }

export async function explainCommand (argv: string[], io: CommandIo = PROCESS_IO): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.out(EXPLAIN_USAGE)
    return 0
  }
  const args = parseArgs(argv, io.env)
  if (typeof args === 'string') {
    io.err(`ecs-emulator explain: ${args}\n${EXPLAIN_USAGE}`)
    return 2
  }

  const answer = await ask(args)
  if ('error' in answer) {
    io.err(`ecs-emulator explain: ${answer.error}\n`)
    return 1
  }
  const e = answer.explanation
  io.out(args.json ? JSON.stringify(e, null, 2) + '\n' : formatExplanation(e))
  return 0
}

function parseArgs (argv: string[], env: CommandIo['env']): Args | string {
  const positional: string[] = []
  let endpoint = env.AWS_ENDPOINT_URL ?? DEFAULT_ENDPOINT
  let json = false
  let since: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--json') json = true
    else if (a === '--endpoint' || a === '--endpoint-url' || a === '--since') {
      const value = argv[++i]
      if (value === undefined || value.startsWith('--')) return `${a} needs a value`
      if (a === '--since') since = value
      else endpoint = value
    } else if (a.startsWith('--')) return `unknown option ${a}`
    else positional.push(a)
  }
  if (positional.length === 0) return 'give one SUBJECT'
  if (positional.length > 1) return 'give only one SUBJECT'
  if (since !== undefined && !/^\d+(\.\d+)?$/.test(since)) return '--since takes epoch seconds'
  return { subject: positional[0], endpoint, json, since }
}

type Answer = { explanation: Explanation } | { error: string }

async function ask (args: Args): Promise<Answer> {
  const query = new URLSearchParams({ subject: args.subject })
  if (args.since !== undefined) query.set('since', args.since)
  const url = `${args.endpoint.replace(/\/+$/, '')}/_emulator/explain?${query}`
  let res: Response
  try {
    res = await fetch(url)
  } catch (e) {
    return { error: `${noEmulatorMessage(args.endpoint)} (${(e as Error).message})` }
  }
  type Body = Explanation & { message?: string }
  const body = await res.json().catch(() => undefined) as Body | undefined
  if (res.status === 404) return { error: body?.message ?? `nothing is known of ${args.subject}` }
  if (!res.ok || body === undefined) return { error: `the emulator answered ${res.status}` }
  return { explanation: body }
}

/** The explanation for a terminal: the chain, the decision, the policies, why and the fix. */
export function formatExplanation (e: Explanation): string {
  const lines = [`explain ${e.subject}`]
  if (e.symptom !== undefined) lines.push('', 'symptom', indent(e.symptom))
  lines.push('', 'chain', ...e.chain.map((c, i) => `  ${i + 1}. ${c}`))
  if (e.decision !== undefined) lines.push('', ...decisionLines(e))
  if (e.policies.length > 0) {
    lines.push('', 'policies evaluated', ...e.policies.map(p => `  ${p.kind.padEnd(9)} ${p.arn}`))
  }
  lines.push('', 'why', indent(e.why), ...(e.evaluation ?? []).map(l => `  - ${l}`))
  if (e.fix !== undefined) {
    const head = e.fixIn === undefined ? 'fix' : `fix: ${e.fixIn}`
    lines.push('', head, indent(JSON.stringify(e.fix, null, 2)))
  }
  return lines.join('\n') + '\n'
}

function decisionLines (e: Explanation): string[] {
  const d = e.decision!
  const time = new Date(d.time * 1000).toISOString()
  const rows: [string, string | undefined][] = [
    ['principal', d.principal], ['role', e.role], ['action', d.action], ['resource', d.resource],
    ['request', d.requestId], ['time', time], ['message', d.message]
  ]
  return [`decision ${d.id}: ${d.decision}${d.enforced ? '' : ' (soft: not enforced)'}`,
    ...rows.filter(([, v]) => v !== undefined).map(([k, v]) => `  ${k.padEnd(9)} ${v!}`)]
}

const indent = (text: string): string => text.split('\n').map(l => `  ${l}`).join('\n')
