/**
 * The ablation of a scenario: a baseline run in soft mode records every (role, action) it
 * really uses; then, for each, that action alone is removed from that role and the scenario
 * runs again, up to `jobs` runs at a time. The matrix says which step each one breaks, what the
 * user sees and how long it takes to show; beside it, per role, the granted actions the
 * scenario never used (or that the emulator does not exercise) and the least-privilege policy
 * made from what it used.
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { SERVICES } from '../../api/app.js'
import { awsManagedPolicy } from '../iam/managed.js'
import { splitAction } from '../iam/matching.js'
import type { PolicyDocument } from '../iam/policy.js'
import { VERSION } from '../version.js'
import { formatExplanation } from './explain-command.js'
import { actionsMatching, managedArn, NOT_ON_AWS, SERVICE_LINKED_ROLES } from './mutations.js'
import { formatTable } from './report.js'
import { runScenario, type DrillRun, type UsedDecision } from './runner.js'
import type { CallerSpec, RoleSpec, Scenario } from './scenario.js'

export interface AblationCell {
  role: string
  action: string
  /** The resources the baseline used it on. */
  resources: string[]
  outcome: 'breaks' | 'no-effect' | 'not-granted'
  /** Said of a break AWS would not allow (a service-linked role's). */
  note?: string
  /** The scenario ships this break and the reference marks AWS's text for it unconfirmed. */
  inferred?: boolean
  step?: string
  symptom?: string
  /** `PRINCIPAL ACTION: why`, in one line. */
  cause?: string
  /** The whole explanation, as `ecs-emulator explain` prints it. */
  trace?: string
  /** From the start of the first step to the end of the step that failed. */
  showsAfterMs?: number
}

export interface RoleSummary {
  role: string
  managed: string[]
  notNeeded: string[]
  notEmulated: string[]
  leastPrivilege: PolicyDocument
}

export interface AblationReport {
  scenario: string
  description: string
  version: string
  timeScale: number
  generatedAt: string
  /** sha256 of the scenario file: a shipped report made from another file is stale. */
  scenarioDigest: string
  baselineFailure?: DrillRun['failure']
  cells: AblationCell[]
  roles: RoleSummary[]
  text: string
}

export interface AblateOptions {
  jobs?: number
  timeScale?: number
  verbose?: boolean
  progress?: (line: string) => void
}

/**
 * Actions the emulator authorizes that are not API operations of its own: the agent's
 * protocol, the registry, EFS mounts, role passing and assumption.
 */
const INTERNAL_ACTIONS = [
  'ecs:Poll', 'ecs:DiscoverPollEndpoint', 'ecs:StartTelemetrySession', 'ecs:SubmitTaskStateChange',
  'ecs:SubmitContainerStateChange', 'ecs:SubmitAttachmentStateChanges', 'ecs:RegisterContainerInstance',
  'ecs:DeregisterContainerInstance', 'ecs:UpdateContainerInstancesState',
  'ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload',
  'elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite', 'elasticfilesystem:ClientRootAccess',
  'iam:PassRole', 'sts:AssumeRole'
]

export function emulatedActions (): Set<string> {
  const out = new Set(INTERNAL_ACTIONS.map(a => a.toLowerCase()))
  for (const s of SERVICES) {
    for (const op of Object.keys(s.operations)) out.add(`${s.actionPrefix}:${op}`.toLowerCase())
  }
  return out
}

export async function ablate (scenario: Scenario, o: AblateOptions = {}): Promise<AblationReport> {
  const say = o.progress ?? (() => {})
  say(`baseline: ${scenario.name} in soft mode (every decision logged, nothing denied)`)
  const baseline = await runScenario(scenario, { iam: 'soft', timeScale: o.timeScale, verbose: o.verbose })
  const pairs = pairsOf(baseline.decisions)
  say(`baseline: ${baseline.failure === undefined ? 'green' : `failed at ${baseline.failure.step}`}, ${pairs.length} (role, action) pairs used`)

  const cells: AblationCell[] = new Array(pairs.length)
  let next = 0
  let done = 0
  const worker = async (): Promise<void> => {
    for (let i = next++; i < pairs.length; i = next++) {
      cells[i] = await ablateOne(scenario, pairs[i], o)
      say(`[${++done}/${pairs.length}] ${pairs[i].role} without ${pairs[i].action}: ${cells[i].outcome}${cells[i].step === undefined ? '' : ` at ${cells[i].step!}`}`)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, o.jobs ?? 2) }, worker))

  const report: AblationReport = {
    scenario: scenario.name,
    description: scenario.description,
    version: VERSION,
    timeScale: baseline.timeScale,
    generatedAt: new Date().toISOString(),
    scenarioDigest: scenario.file === undefined ? '' : scenarioDigest(scenario.file),
    baselineFailure: baseline.failure,
    cells,
    roles: await roleSummaries(scenario, baseline.decisions),
    text: ''
  }
  report.text = formatTable(report)
  return report
}

export const scenarioDigest = (file: string): string =>
  createHash('sha256').update(readFileSync(file)).digest('hex')

interface Pair { role: string, action: string, resources: string[] }

function pairsOf (used: UsedDecision[]): Pair[] {
  const byPair = new Map<string, Pair>()
  for (const d of used) {
    const key = `${d.role} ${d.action}`
    const pair = byPair.get(key) ?? { role: d.role, action: d.action, resources: [] }
    if (!pair.resources.includes(d.resource)) pair.resources.push(d.resource)
    byPair.set(key, pair)
  }
  return [...byPair.values()]
}

async function ablateOne (scenario: Scenario, pair: Pair, o: AblateOptions): Promise<AblationCell> {
  const cell: AblationCell = { role: pair.role, action: pair.action, resources: pair.resources, outcome: 'no-effect' }
  if (SERVICE_LINKED_ROLES[pair.role] !== undefined) cell.note = NOT_ON_AWS
  let run: DrillRun
  try {
    // A service-linked role can only be broken by the emulator's own control.
    const kind = SERVICE_LINKED_ROLES[pair.role] === undefined ? 'remove-action' : 'slr'
    run = await runScenario(scenario, {
      mutation: `${kind}:${pair.role}:${pair.action}`, timeScale: o.timeScale, verbose: o.verbose
    })
  } catch (e) {
    // The role's policies do not grant it (the baseline ran in soft mode): nothing to remove.
    if (/no policy of .* allows/.test((e as Error).message)) return { ...cell, outcome: 'not-granted' }
    throw e
  }
  if (run.expected?.inferred === true) cell.inferred = true
  if (run.failure === undefined) return cell
  const failed = run.steps.findIndex(s => !s.ok)
  cell.outcome = 'breaks'
  cell.step = run.failure.step
  cell.symptom = run.failure.symptom
  cell.showsAfterMs = run.steps.slice(0, failed + 1).reduce((n, s) => n + s.ms, 0)
  const cause = run.failure.cause
  if (cause !== undefined) {
    cell.cause = cause.decision === undefined
      ? cause.why
      : `${cause.decision.principal} ${cause.decision.action}: ${cause.why}`
    cell.trace = formatExplanation(cause)
  }
  return cell
}

// --- per role: what was granted, what was used -------------------------------------------------

async function roleSummaries (scenario: Scenario, used: UsedDecision[]): Promise<RoleSummary[]> {
  const emulated = emulatedActions()
  const specs: [string, RoleSpec | CallerSpec][] = [...Object.entries(scenario.roles), ['caller', scenario.caller]]
  for (const slr of Object.keys(SERVICE_LINKED_ROLES)) {
    if (used.some(d => d.role === slr)) specs.push([slr, { trust: SERVICE_LINKED_ROLES[slr], managed: ['AmazonECSServiceRolePolicy'] }])
  }
  const out: RoleSummary[] = []
  for (const [role, spec] of specs) {
    const mine = used.filter(d => d.role === role && d.decision === 'Allow')
    const usedActions = new Set(used.filter(d => d.role === role).map(d => d.action.toLowerCase()))
    const unused = (await grantedActions(spec)).filter(g => !usedActions.has(g.action.toLowerCase()))
    out.push({
      role,
      managed: spec.managed ?? [],
      notNeeded: unused.filter(g => emulated.has(g.action.toLowerCase())).map(g => g.action),
      notEmulated: byPattern(unused.filter(g => !emulated.has(g.action.toLowerCase()))),
      leastPrivilege: leastPrivilege(mine.length > 0 ? mine : used.filter(d => d.role === role))
    })
  }
  return out
}

interface Granted { action: string, pattern: string }

/** Actions granted by a wildcard are said once, as the wildcard and how many they are. */
function byPattern (granted: Granted[]): string[] {
  const counts = new Map<string, string[]>()
  for (const g of granted) counts.set(g.pattern, [...(counts.get(g.pattern) ?? []), g.action])
  return [...counts.entries()].map(([pattern, actions]) =>
    pattern.includes('*') || pattern.includes('?') ? `${pattern} (${actions.length} actions)` : actions[0])
}

/** Every action the role's Allow statements name, wildcards split into their service's actions. */
async function grantedActions (spec: RoleSpec | CallerSpec): Promise<Granted[]> {
  const docs: PolicyDocument[] = [
    ...(spec.managed ?? []).map(m => awsManagedPolicy(managedArn(m))!.document),
    ...Object.values(spec.customer ?? {}),
    ...Object.values(spec.inline ?? {})
  ]
  const out = new Map<string, Granted>()
  for (const doc of docs) {
    for (const st of [doc.Statement].flat()) {
      if (st.Effect !== 'Allow') continue
      for (const pattern of [st.Action ?? []].flat()) {
        if (pattern === '*' || splitAction(pattern) === undefined) continue
        for (const action of await actionsMatching(pattern)) {
          if (!out.has(action.toLowerCase())) out.set(action.toLowerCase(), { action, pattern })
        }
      }
    }
  }
  return [...out.values()].sort((a, b) => a.action.localeCompare(b.action))
}

/**
 * A resource as a policy names it for any run: the parts a run makes up (task and container
 * instance ids, EC2 instance ids, load balancer and target group ids, a secret's suffix)
 * become `*`.
 */
export function generalized (resource: string): string {
  return resource
    .replace(/[0-9a-f]{32}/g, '*')
    .replace(/\bi-[0-9a-f]{8,17}\b/g, '*')
    .replace(/^(arn:aws:elasticloadbalancing:.*\/)[0-9a-f]{16}$/, '$1*')
    .replace(/^(arn:aws:secretsmanager:[^:]+:\d{12}:secret:.+)-[A-Za-z0-9]{6}$/, '$1-*')
}

/** One statement per set of resources, the actions used on exactly those. */
function leastPrivilege (used: UsedDecision[]): PolicyDocument {
  const resourcesOf = new Map<string, Set<string>>()
  for (const d of used) {
    const set = resourcesOf.get(d.action) ?? new Set<string>()
    set.add(generalized(d.resource))
    resourcesOf.set(d.action, set)
  }
  const byResources = new Map<string, string[]>()
  for (const [action, resources] of resourcesOf) {
    const key = JSON.stringify([...resources].sort())
    byResources.set(key, [...(byResources.get(key) ?? []), action])
  }
  const Statement = [...byResources.entries()].map(([key, actions]) => {
    const resources = JSON.parse(key) as string[]
    return {
      Effect: 'Allow' as const,
      Action: actions.length === 1 ? actions[0] : actions.sort(),
      Resource: resources.length === 1 ? resources[0] : resources
    }
  })
  return { Version: '2012-10-17', Statement }
}
