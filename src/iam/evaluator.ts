/**
 * The IAM policy evaluator: AWS's policy evaluation logic for requests within one account
 * (identity policies, resource-based and role trust policies, permissions boundaries and
 * session policies; no SCPs). Every statement is compiled once and cached by object.
 */

import {
  compileConditions,
  conditionsMatch,
  type CompiledConditions,
  type ConditionEnv,
  type ContextEntry,
} from './conditions.js'
import {
  compileAction,
  globMatch,
  sourceRegExp,
  splitAction,
  type ActionMatcher,
  type ActionName,
} from './matching.js'
import type {
  AuthorizationRequest,
  ContextValue,
  Decision,
  Policy,
  PolicyKind,
  PolicySet,
  PolicyStatement,
  Principal,
  StatementRef,
} from './policy.js'
import {
  parseTemplate,
  partsGlobSource,
  partsHaveWildcard,
  partsText,
  plainTemplate,
  resolve,
  type Lookup,
  type Template,
} from './variables.js'
import { isoSeconds } from '../time.js'

/** How a resource-based policy names the caller; decides whether it grants on its own. */
type Via = 'direct' | 'role' | 'account'

interface PrincipalSpec {
  any: boolean
  aws: Set<string>
  services: Set<string>
}

interface CompiledStatement {
  sid: string
  effect?: 'Allow' | 'Deny'
  /** The statement cannot be matched against any action. */
  actionError?: string
  /** The statement is malformed; it is unevaluable for the actions it names. */
  error?: string
  actions: ActionMatcher[]
  notAction: boolean
  resources?: Template[]
  notResource: boolean
  principal?: PrincipalSpec
  notPrincipal: boolean
  conditions?: CompiledConditions
}

type Check = { applies: false } | { applies: true; via?: Via } | { unevaluable: string }

interface Hit {
  ref: StatementRef
  via?: Via
}

interface LayerHits {
  allows: Hit[]
  denies: Hit[]
}

interface Run {
  request: AuthorizationRequest
  action?: ActionName
  env: ConditionEnv
  hasBoundary: boolean
  unevaluable: Decision['unevaluable']
}

const ALWAYS_ALLOWED = new Set(['sts:getcalleridentity'])

export function evaluate(request: AuthorizationRequest, policies: PolicySet): Decision {
  if (ALWAYS_ALLOWED.has(request.action.toLowerCase())) {
    return { decision: 'Allow', unevaluable: [] }
  }
  const run = startRun(request, policies)
  const resource = scanLayer(run, policies.resource, true)
  if (request.principal.type === 'root') return rootDecision(run, resource)
  const service = request.principal.type === 'service'
  const identity = scanLayer(run, service ? [] : policies.identity, false)
  const boundary = service ? undefined : optionalLayer(run, policies.boundary)
  const session = service ? undefined : optionalLayer(run, policies.session)
  const deny = [identity, boundary, session, resource].find((l) => l?.denies.length)
  if (deny) return decide(run, 'ExplicitDeny', { decidedBy: deny.denies[0].ref })
  const trust = (policies.resource ?? []).some((p) => p.kind === 'trust')
  return grantDecision(run, { identity, boundary, session, resource }, trust)
}

function rootDecision(run: Run, resource: LayerHits): Decision {
  const deny = resource.denies[0]
  if (deny) return decide(run, 'ExplicitDeny', { decidedBy: deny.ref })
  return decide(run, 'Allow', {})
}

interface Layers {
  identity: LayerHits
  boundary?: LayerHits
  session?: LayerHits
  resource: LayerHits
}

function grantDecision(run: Run, layers: Layers, trust: boolean): Decision {
  const grant = strongestGrant(layers.resource.allows)
  if (grant?.via === 'direct') return decide(run, 'Allow', { decidedBy: grant.ref })
  if (run.request.principal.type === 'service' || (trust && !grant)) {
    return decide(run, 'ImplicitDeny', { missingAllowIn: trust ? 'trust' : 'resource' })
  }
  // A grant to a role ARN is still limited by the session's boundary and session policies.
  if (grant?.via === 'role') return limitedAllow(run, layers, grant.ref)
  const allow = layers.identity.allows[0]
  if (!allow) return decide(run, 'ImplicitDeny', { missingAllowIn: 'identity' })
  return limitedAllow(run, layers, allow.ref)
}

function limitedAllow(run: Run, layers: Layers, ref: StatementRef): Decision {
  if (layers.boundary && !layers.boundary.allows.length) {
    return decide(run, 'ImplicitDeny', { missingAllowIn: 'boundary' })
  }
  if (layers.session && !layers.session.allows.length) {
    return decide(run, 'ImplicitDeny', { missingAllowIn: 'session' })
  }
  return decide(run, 'Allow', { decidedBy: ref })
}

const VIA_RANK: Record<Via, number> = { direct: 0, role: 1, account: 2 }
const rank = (hit: Hit) => VIA_RANK[hit.via ?? 'account']

function strongestGrant(allows: Hit[]): Hit | undefined {
  let best: Hit | undefined
  for (const hit of allows) {
    if (!best || rank(hit) < rank(best)) best = hit
  }
  return best
}

function decide(
  run: Run,
  decision: Decision['decision'],
  extra: { decidedBy?: StatementRef; missingAllowIn?: PolicyKind },
): Decision {
  return { decision, decidedBy: extra.decidedBy, missingAllowIn: extra.missingAllowIn, unevaluable: run.unevaluable }
}

// ---------------------------------------------------------------- request context

function startRun(request: AuthorizationRequest, policies: PolicySet): Run {
  return {
    request,
    action: splitAction(request.action),
    env: buildEnv(request),
    hasBoundary: policies.boundary !== undefined,
    unevaluable: [],
  }
}

function entryOf(value: ContextValue): ContextEntry {
  if (Array.isArray(value)) return { values: value.map(String), multi: true }
  return { values: [String(value)], multi: false }
}

function principalDefaults(p: Principal): [string, string | undefined][] {
  if (p.type === 'service') return [['aws:principalservicename', p.arn]]
  const types = { root: 'Account', user: 'User', 'assumed-role': 'AssumedRole' }
  return [
    ['aws:principalarn', p.type === 'assumed-role' ? (p.roleArn ?? p.arn) : p.arn],
    ['aws:principalaccount', p.account],
    ['aws:principaltype', types[p.type]],
    ['aws:userid', p.userId],
    ['aws:username', p.type === 'user' ? p.userName : undefined],
  ]
}

function buildEnv(request: AuthorizationRequest): ConditionEnv {
  const map = new Map<string, ContextEntry>()
  for (const [key, value] of Object.entries(request.context)) {
    if (value !== undefined) map.set(key.toLowerCase(), entryOf(value))
  }
  for (const [key, value] of principalDefaults(request.principal)) {
    if (value !== undefined && !map.has(key)) map.set(key, entryOf(value))
  }
  const get = (key: string) => map.get(key) ?? timeDefault(key, map)
  const lookup: Lookup = (key) => {
    const entry = get(key)
    return entry && !entry.multi ? entry.values[0] : undefined
  }
  return { get, lookup }
}

type ContextMap = Map<string, ContextEntry>

const NOW_KEYS: Record<string, (now: Date) => string> = {
  'aws:currenttime': isoSeconds,
  'aws:epochtime': (now) => String(Math.floor(now.getTime() / 1000)),
}

/** `aws:CurrentTime` and `aws:EpochTime` default to now when the caller gave none. */
function timeDefault(key: string, map: ContextMap): ContextEntry | undefined {
  const format = Object.hasOwn(NOW_KEYS, key) ? NOW_KEYS[key] : undefined
  if (!format) return undefined
  const entry = entryOf(format(new Date()))
  map.set(key, entry)
  return entry
}

// ---------------------------------------------------------------- layers and statements

function optionalLayer(run: Run, policies: Policy[] | undefined): LayerHits | undefined {
  return policies && scanLayer(run, policies, false)
}

function scanLayer(run: Run, policies: Policy[] = [], resource: boolean): LayerHits {
  const hits: LayerHits = { allows: [], denies: [] }
  for (const policy of policies) {
    for (const statement of compileDocument(policy)) {
      scanStatement(run, policy, statement, resource, hits)
    }
  }
  return hits
}

function scanStatement(
  run: Run,
  policy: Policy,
  statement: CompiledStatement,
  resource: boolean,
  hits: LayerHits,
): void {
  const check = checkStatement(run, statement, resource)
  if ('applies' in check && !check.applies) return
  const ref = { policy: policy.id, kind: policy.kind, statement: statement.sid }
  if ('unevaluable' in check) {
    run.unevaluable.push({ ...ref, reason: check.unevaluable })
    if (statement.effect === 'Deny') hits.denies.push({ ref })
    return
  }
  const list = statement.effect === 'Deny' ? hits.denies : hits.allows
  list.push({ ref, via: check.via })
}

const SKIP: Check = { applies: false }
const MATCH: Check = { applies: true }

function checkStatement(run: Run, s: CompiledStatement, resource: boolean): Check {
  if (s.actionError) return { unevaluable: s.actionError }
  if (!actionMatches(s, run.action)) return SKIP
  if (s.error) return { unevaluable: s.error }
  const onResource = resourceMatches(s, run)
  if (typeof onResource === 'string') return { unevaluable: onResource }
  if (!onResource) return SKIP
  const principal = resource ? principalCheck(s, run) : MATCH
  if (!('applies' in principal) || !principal.applies) return principal
  if (s.conditions && 'error' in s.conditions) return { unevaluable: s.conditions.error }
  if (s.conditions && !conditionsMatch(s.conditions, run.env)) return SKIP
  return principal
}

function actionMatches(s: CompiledStatement, action: ActionName | undefined): boolean {
  const matched = action !== undefined && s.actions.some((m) => m(action))
  return matched !== s.notAction
}

/** True/false, or an error text when a Resource pattern has an invalid variable. */
function resourceMatches(s: CompiledStatement, run: Run): boolean | string {
  if (!s.resources) return true
  let matched = false
  for (const template of s.resources) {
    if ('error' in template) return `${template.error} in Resource`
    if (!matched) matched = templateMatches(template, run.request.resource, run.env.lookup)
  }
  return matched !== s.notResource
}

function templateMatches(template: Template, value: string, lookup: Lookup): boolean {
  // Without variables the pattern is fixed: match it through the cached glob regex.
  if (!('error' in template) && !template.hasVars && template.tokens.length === 1 &&
    template.tokens[0].kind === 'text') {
    return globMatch(template.tokens[0].text, value)
  }
  const parts = resolve(template, lookup)
  if (!parts) return false
  if (parts.length === 1 && !parts[0].literal && parts[0].text === '*') return true
  if (!partsHaveWildcard(parts)) return partsText(parts) === value
  return sourceRegExp(partsGlobSource(parts)).test(value)
}

// ---------------------------------------------------------------- principals

/** Whether a resource-based statement is for this principal, and how it names it. */
function principalCheck(s: CompiledStatement, run: Run): Check {
  const p = run.request.principal
  if (!s.principal) return { unevaluable: 'no Principal in a resource-based policy' }
  if (!s.notPrincipal) {
    const via = principalVia(s.principal, p)
    return via ? { applies: true, via } : SKIP
  }
  if (s.effect !== 'Deny') return { unevaluable: 'NotPrincipal is only valid with Deny' }
  // AWS: a Deny with NotPrincipal denies every principal that has a permissions boundary.
  if (run.hasBoundary) return MATCH
  const spec = s.principal
  return identitiesOf(p).every((id) => isListed(spec, id, p)) ? SKIP : MATCH
}

function rootArn(p: Principal): string {
  const partition = p.arn.startsWith('arn:') ? p.arn.split(':')[1] : 'aws'
  return `arn:${partition}:iam::${p.account}:root`
}

function principalVia(spec: PrincipalSpec, p: Principal): Via | undefined {
  if (p.type === 'service') {
    if (spec.services.has(p.arn.toLowerCase())) return 'direct'
    return spec.any ? 'account' : undefined
  }
  if (spec.aws.has(p.arn)) return 'direct'
  if (p.roleArn && spec.aws.has(p.roleArn)) return 'role'
  if (spec.any || spec.aws.has(p.account) || spec.aws.has(rootArn(p))) return 'account'
  return undefined
}

/** Every identity a request carries: account, then role, then user or session. */
function identitiesOf(p: Principal): string[] {
  if (p.type === 'service') return [p.arn]
  if (p.type === 'root') return [rootArn(p)]
  const ids = [rootArn(p)]
  if (p.roleArn) ids.push(p.roleArn)
  ids.push(p.arn)
  return ids
}

function isListed(spec: PrincipalSpec, id: string, p: Principal): boolean {
  if (spec.any || spec.aws.has(id)) return true
  if (p.type === 'service') return spec.services.has(id.toLowerCase())
  return id === rootArn(p) && spec.aws.has(p.account)
}

function compilePrincipal(raw: unknown): PrincipalSpec | undefined {
  const spec: PrincipalSpec = { any: false, aws: new Set(), services: new Set() }
  if (raw === '*') return { ...spec, any: true }
  if (typeof raw !== 'object' || raw === null) return undefined
  for (const [type, values] of Object.entries(raw)) {
    for (const value of listOf(values)) addPrincipal(spec, type, String(value))
  }
  return spec
}

function addPrincipal(spec: PrincipalSpec, type: string, value: string): void {
  if (type === 'AWS' && value === '*') spec.any = true
  else if (type === 'AWS') spec.aws.add(value)
  else if (type === 'Service') spec.services.add(value.toLowerCase())
  // Federated and CanonicalUser principals never match a request made here.
}

// ---------------------------------------------------------------- compiling statements

const compiled = new WeakMap<PolicyStatement, { key: string; out: CompiledStatement }>()

function listOf<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return []
  return Array.isArray(value) ? value : [value]
}

function compileDocument(policy: Policy): CompiledStatement[] {
  const doc = policy.document
  const vars = doc?.Version === '2012-10-17'
  return listOf(doc?.Statement).map((s, i) => cachedStatement(s, i, vars))
}

function cachedStatement(s: PolicyStatement, i: number, vars: boolean): CompiledStatement {
  const key = `${i}:${vars}`
  const cacheable = typeof s === 'object' && s !== null
  const hit = cacheable ? compiled.get(s) : undefined
  if (hit && hit.key === key) return hit.out
  const out = compileStatement(s, i, vars)
  if (cacheable) compiled.set(s, { key, out })
  return out
}

function compileStatement(s: PolicyStatement, i: number, vars: boolean):
  CompiledStatement {
  const sid = typeof s?.Sid === 'string' && s.Sid !== '' ? s.Sid : `#${i}`
  const actionError = actionShapeError(s)
  if (actionError) return { sid, effect: effectOf(s), actionError, ...NOTHING }
  const resources = s.Resource ?? s.NotResource
  const principal = s.Principal ?? s.NotPrincipal
  const out: CompiledStatement = {
    sid,
    effect: effectOf(s),
    error: structuralError(s),
    actions: listOf(s.Action ?? s.NotAction).map((a) => compileAction(String(a))),
    notAction: s.NotAction !== undefined,
    resources: resources === undefined ? undefined : listOf(resources).map(pattern(vars)),
    notResource: s.NotResource !== undefined,
    principal: principal && compilePrincipal(principal),
    notPrincipal: s.NotPrincipal !== undefined,
    conditions: s.Condition && compileConditions(s.Condition, vars),
  }
  if (principal && !out.principal) out.error ??= 'invalid Principal element'
  return out
}

function effectOf(s: PolicyStatement): 'Allow' | 'Deny' | undefined {
  const effect: unknown = s?.Effect
  return effect === 'Allow' || effect === 'Deny' ? effect : undefined
}

function actionShapeError(s: PolicyStatement): string | undefined {
  if (typeof s !== 'object' || s === null) return 'statement is not an object'
  if ((s.Action === undefined) === (s.NotAction === undefined)) {
    return 'statement needs exactly one of Action and NotAction'
  }
  return undefined
}

const NOTHING = { actions: [], notAction: false, notResource: false, notPrincipal: false }

function pattern(vars: boolean): (raw: unknown) => Template {
  return (raw) => (vars ? parseTemplate(String(raw)) : plainTemplate(String(raw)))
}

function structuralError(s: PolicyStatement): string | undefined {
  if (!effectOf(s)) return `invalid Effect ${String(s.Effect)}`
  if (s.Resource !== undefined && s.NotResource !== undefined) {
    return 'statement has both Resource and NotResource'
  }
  if (s.Principal !== undefined && s.NotPrincipal !== undefined) {
    return 'statement has both Principal and NotPrincipal'
  }
  return undefined
}
