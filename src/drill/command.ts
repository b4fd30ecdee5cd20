/**
 * `ecs-emulator drill SCENARIO [--break MUTATION] [--ablate] ...`: runs a scenario against a
 * fresh emulator with a live line per step, and prints where it first went wrong and why; with
 * `--ablate`, the matrix of what breaks without each permission the scenario uses.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { ablate } from './ablate.js'
import { formatRun, writeReports } from './report.js'
import { runScenario, type ProgressEvent } from './runner.js'
import { loadScenario, ScenarioError } from './scenario.js'

export const DRILL_USAGE = `usage: ecs-emulator drill SCENARIO [--break MUTATION] [--time-scale X] [--json] [--verbose]
       ecs-emulator drill SCENARIO --ablate [--jobs N] [--out DIR] [--time-scale X]

  SCENARIO          a scenario file, or the name of one in examples/drills (ec2-alb-service,
                    fargate-alb-service, gitlab-runner)
  --break MUTATION  what to break first, KIND:TARGET[:ARG], TARGET a role of the scenario or
                    caller: detach:ROLE:POLICY, delete-role:ROLE, remove-action:ROLE:ACTION,
                    deny:ROLE:ACTION, trust:ROLE:SERVICE_PRINCIPAL, boundary:ROLE:POLICY
  --ablate          a baseline run in soft mode, then one run per (role, action) it used with
                    that action removed from that role: the matrix of what breaks, and the
                    least-privilege policy of each role
  --jobs N          ablation runs at a time (2)
  --out DIR         also write the report there as Markdown, JSON and HTML
  --time-scale X    AWS's delays multiplied by X (the scenario's own, 0.05 unless it says)
  --json            print the run as JSON
  --verbose         the emulator's log on stderr
`

/** examples/drills/, from src/drill/ (tests, tsx) and from dist/ (the bundle) alike. */
const EXAMPLES = [
  new URL('../../examples/drills/', import.meta.url),
  new URL('../examples/drills/', import.meta.url)
].map(u => fileURLToPath(u))

export function scenarioPath (nameOrFile: string): string {
  if (existsSync(nameOrFile)) return nameOrFile
  for (const dir of EXAMPLES) {
    const file = `${dir}${nameOrFile}.yaml`
    if (existsSync(file)) return file
  }
  throw new ScenarioError(`no scenario file ${nameOrFile}, and none of that name in examples/drills`)
}

interface Args {
  scenario: string
  mutation?: string
  ablate: boolean
  jobs: number
  out?: string
  timeScale?: number
  json: boolean
  verbose: boolean
}

export async function drillCommand (argv: string[]): Promise<number> {
  // The steps call through the SDK's clients; its notice about Node versions is not the drill's.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(DRILL_USAGE)
    return 0
  }
  let args: Args
  try {
    args = parseArgs(argv)
  } catch (e) {
    process.stderr.write(`ecs-emulator drill: ${(e as Error).message}\n\n${DRILL_USAGE}`)
    return 2
  }
  const scenario = loadScenario(scenarioPath(args.scenario))
  if (args.ablate) {
    const report = await ablate(scenario, {
      jobs: args.jobs, timeScale: args.timeScale, verbose: args.verbose,
      progress: line => process.stderr.write(`${line}\n`)
    })
    process.stdout.write(report.text)
    if (args.out !== undefined) {
      for (const file of writeReports(args.out, report)) process.stderr.write(`wrote ${file}\n`)
    }
    return 0
  }
  const run = await runScenario(scenario, {
    mutation: args.mutation, timeScale: args.timeScale, verbose: args.verbose,
    progress: args.json ? undefined : live
  })
  process.stdout.write(args.json ? JSON.stringify(run, null, 2) + '\n' : formatRun(run))
  return run.failure === undefined ? 0 : 1
}

const tty = process.stderr.isTTY

/** A line per step: `…` while it runs (on a terminal), then ✓ or ✗ with its time. */
function live (e: ProgressEvent): void {
  const head = `[${e.index + 1}/${e.of}] ${e.step}`
  if (e.kind === 'start') {
    if (tty) process.stderr.write(`  … ${head}`)
    return
  }
  const line = `  ${e.ok ? '✓' : '✗'} ${head} (${(e.ms / 1000).toFixed(1)} s)`
  process.stderr.write(tty ? `\r\x1b[2K${line}\n` : `${line}\n`)
}

function parseArgs (argv: string[]): Args {
  const args: Args = { scenario: '', ablate: false, jobs: 2, json: false, verbose: false }
  const value = (i: number, flag: string): string => {
    const v = argv[i + 1]
    if (v === undefined) throw new ScenarioError(`${flag} needs a value`)
    return v
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--break') args.mutation = value(i++, a)
    else if (a === '--ablate') args.ablate = true
    else if (a === '--jobs') args.jobs = positive(value(i++, a), a)
    else if (a === '--out') args.out = value(i++, a)
    else if (a === '--time-scale') args.timeScale = positive(value(i++, a), a)
    else if (a === '--json') args.json = true
    else if (a === '--verbose') args.verbose = true
    else if (a.startsWith('-')) throw new ScenarioError(`unknown option ${a}`)
    else if (args.scenario === '') args.scenario = a
    else throw new ScenarioError(`one scenario at a time, not also '${a}'`)
  }
  if (args.scenario === '') throw new ScenarioError('name a scenario')
  if (args.ablate && args.mutation !== undefined) throw new ScenarioError('--ablate makes its own mutations: drop --break')
  return args
}

function positive (v: string, flag: string): number {
  const n = Number(v)
  if (!Number.isFinite(n) || n <= 0) throw new ScenarioError(`${flag} must be a positive number, not '${v}'`)
  return n
}
