/**
 * One run of a drill scenario against a fresh emulator: its own data directory, its own port,
 * its own agents and containers (labelled with the run, removed afterwards). The starting state
 * (roles, policies, the caller) is made by the root user; then the caller performs the steps,
 * in order, until one fails. A failed step says what the user sees there, exactly as AWS would
 * show it, and the cause behind it (src/drill/explain.ts). Every decision of the run is kept,
 * for the ablation matrix.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { AgentLauncher } from '../agent-launcher.js'
import { loadConfig } from '../config.js'
import { createLogger } from '../log.js'
import { startServer, type RunningServer } from '../server.js'
import type { PolicyDocument } from '../iam/policy.js'
import { explain, type Explanation } from './explain.js'
import { applyMutation, managedArn, NOT_ON_AWS, parseMutation, SERVICE_LINKED_ROLES, withoutAction, type Mutation } from './mutations.js'
import { ScenarioError, type CallerSpec, type RoleSpec, type Scenario } from './scenario.js'
import { cliError, Steps, type StepOutcome } from './steps.js'

/** The label on every container, network and image a drill run makes. */
export const DRILL_LABEL = 'ecs-emulator.drill'

export interface RunOptions {
  /** A mutation (`remove-action:ecsInstanceRole:ecs:Poll`), applied before anything is made. */
  mutation?: string
  /** `soft`: every decision is logged, nothing is denied (the ablation's baseline). */
  iam?: 'enforce' | 'soft'
  /** Overrides the scenario's. */
  timeScale?: number
  /** Told of each step as it starts and ends. */
  progress?: (event: ProgressEvent) => void
  /** Keeps the run's emulator log (pino, level `info`) on stderr. */
  verbose?: boolean
}

export type ProgressEvent =
  | { kind: 'start', step: string, index: number, of: number }
  | { kind: 'end', step: string, index: number, of: number, ok: boolean, ms: number }

export interface UsedDecision {
  /** The role of the scenario (or `caller`) the principal is. */
  role: string
  principal: string
  action: string
  resource: string
  decision: string
}

export interface DrillRun {
  scenario: string
  mutation?: string
  timeScale: number
  iam: 'enforce' | 'soft'
  steps: { name: string, ok: boolean, ms: number }[]
  failure?: DrillFailure
  decisions: UsedDecision[]
  /** What the steps saved, and the built-in names (`ACCOUNT`, `ROLE_ARN_…`): for expectations. */
  vars: Record<string, string>
  /** The scenario's own word on this mutation, when it ships it: where its text comes from. */
  expected?: { reference?: string, inferred: boolean }
  /** Said of a mutation AWS would not allow (a service-linked role's). */
  note?: string
  ms: number
}

export interface DrillFailure {
  step: string
  /** What the user sees, exactly. */
  symptom: string
  cause?: Explanation
}

export async function runScenario (scenario: Scenario, o: RunOptions = {}): Promise<DrillRun> {
  const started = Date.now()
  const mutation = o.mutation === undefined ? undefined : parseMutation(o.mutation)
  const mutated = mutation === undefined ? scenario : await applyMutation(scenario, mutation)
  const timeScale = o.timeScale ?? scenario.timeScale
  const iam = o.iam ?? 'enforce'
  const runId = `${scenario.name}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`
  const dataDir = mkdtempSync(join(tmpdir(), 'ecs-emulator-drill-'))
  const log = createLogger(o.verbose === true ? 'info' : 'silent')
  const config = loadConfig([], {}, {
    port: 0, registryPort: 0, dataDir, region: mutated.region, timeScale, iam,
    logLevel: o.verbose === true ? 'info' : 'silent', agent: false
  })
  const server = await startServer(config, { log })
  const launcher = new AgentLauncher({
    log, endpoint: server.url, dataDir, logLevel: 'warn',
    extraArgs: ['--time-scale', String(timeScale), '--label', `${DRILL_LABEL}=${runId}`]
  })
  server.emulator.ec2.launcher = launcher
  const fargate = needsFargate(mutated)
  if (fargate) launcher.startBuiltIn()
  const steps = new Steps(server, mutated, { runId, label: DRILL_LABEL })
  const run: DrillRun = { scenario: scenario.name, mutation: o.mutation, timeScale, iam, steps: [], decisions: [], vars: {}, ms: 0 }
  const shipped = scenario.drills.find(d => d.break === o.mutation)
  if (shipped !== undefined) run.expected = { reference: shipped.reference, inferred: shipped.inferred === true }
  if (mutation?.kind === 'slr') run.note = NOT_ON_AWS
  try {
    await setUp(steps, mutated)
    // On AWS, Fargate's capacity is simply there: here it is an agent, which must have joined.
    if (fargate) await steps.fargateCapacity()
    if (mutation?.kind === 'slr') await breakServiceLinkedRole(server, steps, mutation)
    for (const [index, step] of mutated.steps.entries()) {
      const of = mutated.steps.length
      o.progress?.({ kind: 'start', step: step.name, index, of })
      const t0 = Date.now()
      const outcome = await steps.run(step)
      const ms = Date.now() - t0
      run.steps.push({ name: step.name, ok: outcome.ok, ms })
      o.progress?.({ kind: 'end', step: step.name, index, of, ok: outcome.ok, ms })
      if (!outcome.ok) {
        run.failure = failureOf(server, mutated, step.name, outcome, t0)
        break
      }
    }
    run.decisions = usedDecisions(server, mutated)
    run.vars = Object.fromEntries([...steps.vars].filter(([, v]) => typeof v === 'string')) as Record<string, string>
  } finally {
    await launcher.close()
    await steps.cleanUp()
    await server.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
  run.ms = Date.now() - started
  return run
}

/**
 * The emulator-only break of a service-linked role: the role is made now (as ECS would make it
 * on first need) and its policy swapped, in the IAM store itself, for an inline copy without
 * the action. The IAM API refuses this edit, as AWS does.
 */
async function breakServiceLinkedRole (server: RunningServer, steps: Steps, m: Mutation): Promise<void> {
  const account = server.emulator.config.accountId
  await steps.send('iam', 'CreateServiceLinkedRole', { AWSServiceName: SERVICE_LINKED_ROLES[m.target] }, 'root')
  const iam = server.emulator.iam
  for (const arn of iam.attachedPolicies(account, 'role', m.target)) {
    const document = iam.managedPolicyDocument(arn)
    const copy = document === undefined ? undefined : await withoutAction(document, m.arg!)
    if (copy === undefined) continue
    iam.detach(account, 'role', m.target, arn)
    iam.putInlinePolicy(account, 'role', m.target, { policyName: `${arn.split('/').pop()!}-without-${m.arg!.replace(':', '-')}`, document: JSON.stringify(copy) })
  }
  iam.clearCaches()
}

/** Fargate tasks run on the built-in agent, which has Fargate capacity. */
const needsFargate = (s: Scenario): boolean => JSON.stringify(s.steps).includes('FARGATE')

/**
 * The failure and its cause: the first of the step's subjects that explain traces to a denied
 * decision; else any denial of the scenario's roles or caller during the step.
 */
function failureOf (server: RunningServer, s: Scenario, step: string,
  outcome: StepOutcome & { ok: false }, since: number): DrillFailure {
  const failure: DrillFailure = { step, symptom: outcome.symptom }
  const window = { since: since / 1000 - 1 }
  for (const subject of outcome.subjects ?? []) {
    const found = explain(server.emulator, subject, window)
    if (found?.decision !== undefined || (found !== undefined && failure.cause === undefined)) failure.cause = found
    if (found?.decision !== undefined) return failure
  }
  const denied = server.emulator.decisions.query({ since: window.since, limit: 1000 })
    .filter(d => d.decision !== 'Allow' && roleOf(server, s, d.principal) !== undefined)
  const first = denied.at(-1)
  const traced = first === undefined ? undefined : explain(server.emulator, first.requestId, window)
  if (traced !== undefined) failure.cause = traced
  return failure
}

/** The role of the scenario (or `caller`) a principal is, if it is one of them. */
function roleOf (server: RunningServer, s: Scenario, principal: string): string | undefined {
  if (principal === `arn:aws:iam::${server.emulator.config.accountId}:user/${s.caller.user}`) return 'caller'
  const m = /^arn:aws:sts::\d{12}:assumed-role\/([^/]+)\//.exec(principal)
  return m !== null && (s.roles[m[1]] !== undefined || SERVICE_LINKED_ROLES[m[1]] !== undefined) ? m[1] : undefined
}

// --- the starting state ---------------------------------------------------------------------

async function setUp (steps: Steps, scenario: Scenario): Promise<void> {
  // Policies may name the account, the region and the roles (`${ACCOUNT}`, `${ROLE_ARN_web}`).
  const s = { ...scenario, roles: steps.resolve(scenario.roles, 'roles'), caller: steps.resolve(scenario.caller, 'caller') }
  const iam = async (operation: string, input: Record<string, unknown>): Promise<any> => {
    try {
      return await steps.send('iam', operation, input, 'root')
    } catch (e) {
      if (e instanceof ScenarioError) throw e
      throw new ScenarioError(`the starting state cannot be made: ${cliError(e, operation)}`)
    }
  }
  for (const [name, role] of Object.entries(s.roles)) {
    await iam('CreateRole', { RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trustDocument(role.trust)) })
    await attach(iam, { RoleName: name }, 'Role', name, role)
    if (role.instanceProfile !== undefined) {
      await iam('CreateInstanceProfile', { InstanceProfileName: role.instanceProfile })
      await iam('AddRoleToInstanceProfile', { InstanceProfileName: role.instanceProfile, RoleName: name })
    }
  }
  const user = s.caller.user
  await iam('CreateUser', { UserName: user })
  await attach(iam, { UserName: user }, 'User', user, s.caller)
  const { AccessKey } = await iam('CreateAccessKey', { UserName: user })
  steps.callerCredentials = { accessKeyId: AccessKey.AccessKeyId, secretAccessKey: AccessKey.SecretAccessKey }
}

type Iam = (operation: string, input: Record<string, unknown>) => Promise<any>

/** A role's or the caller's policies: managed, customer managed, inline, and the boundary. */
async function attach (iam: Iam, who: Record<string, string>, kind: 'Role' | 'User', name: string,
  spec: RoleSpec | CallerSpec): Promise<void> {
  for (const policy of spec.managed ?? []) {
    await iam(`Attach${kind}Policy`, { ...who, PolicyArn: managedArn(policy) })
  }
  for (const [policyName, document] of Object.entries(spec.customer ?? {})) {
    const { Policy } = await iam('CreatePolicy', { PolicyName: policyName, PolicyDocument: JSON.stringify(document) })
    await iam(`Attach${kind}Policy`, { ...who, PolicyArn: Policy.Arn })
  }
  for (const [policyName, document] of Object.entries(spec.inline ?? {})) {
    await iam(`Put${kind}Policy`, { ...who, PolicyName: policyName, PolicyDocument: JSON.stringify(document) })
  }
  if (spec.boundary !== undefined) {
    await iam(`Put${kind}PermissionsBoundary`, { ...who, PermissionsBoundary: managedArn(spec.boundary) })
  }
  void name
}

export function trustDocument (trust: string | PolicyDocument): PolicyDocument {
  if (typeof trust !== 'string') return trust
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: trust }, Action: 'sts:AssumeRole' }]
  }
}

// --- what the run used ------------------------------------------------------------------------

/** Every decision made for the scenario's roles and its caller, by role, action and resource. */
function usedDecisions (server: RunningServer, s: Scenario): UsedDecision[] {
  const seen = new Map<string, UsedDecision>()
  for (const d of server.emulator.decisions.query({ limit: 10_000 })) {
    const role = roleOf(server, s, d.principal)
    if (role === undefined) continue
    const key = `${role} ${d.action} ${d.resource}`
    if (!seen.has(key)) seen.set(key, { role, principal: d.principal, action: d.action, resource: d.resource, decision: d.decision })
  }
  return [...seen.values()].sort((a, b) => `${a.role} ${a.action}`.localeCompare(`${b.role} ${b.action}`))
}
