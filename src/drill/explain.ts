/**
 * From a symptom back to its cause: given a task, a service, a container instance, an EC2
 * instance, a target group or a request id, the chain of links that ends at the denied
 * decision (store/decisions.ts) or the failed trust evaluation, the policies that were
 * evaluated for its principal, why none allowed it (or which statement denied it), and the
 * smallest statement that would have allowed it.
 *
 * The policies are read from the IAM directory now, not as they were when the decision was
 * made: a role edited since shows its new policies (the decision itself is the record).
 */
import type { Emulator } from '../emulator.js'
import type { DecisionRecord } from '../../store/decisions.js'
import type {
  AuthorizationRequest, Policy, PolicyDocument, PolicyKind, PolicyStatement, Principal, StatementRef
} from '../iam/policy.js'
import { evaluate } from '../iam/evaluator.js'
import type { TaskRecord } from '../ecs/task.js'
import type { ServiceRecord } from '../ecs/service.js'
import type { InstanceRecord } from '../ec2/instance.js'
import { instanceArn } from '../ec2/instance.js'
import { parseArn, type Scope } from '../ecs/arns.js'
import { serviceGroup } from '../ecs/service.js'

export interface Explanation {
  /** What was asked about: an ARN, an instance id or a request id. */
  subject: string
  /** What the user saw there (stoppedReason, service event, the AccessDenied message ...). */
  symptom?: string
  /** One line per link, symptom first, decision last, in plain words. */
  chain: string[]
  /** The denied decision, when one is found. */
  decision?: DecisionRecord
  /** Its principal (the role session ARN, the user ARN, or the service principal). */
  principal?: string
  /** The IAM role ARN behind an assumed-role principal (or the role a service could not assume). */
  role?: string
  /**
   * The policies evaluated for that principal: managed policies by ARN, inline ones as the
   * emulator names them (`role/NAME/policy/POLICY`), the boundary, the resource or trust policy.
   */
  policies: { arn: string, kind: string }[]
  /** Why nothing allowed it, or which statement denied it. */
  why: string
  /**
   * What the evaluated policies say about the action, one line each: statements that allow it
   * only on other resources or under conditions that did not hold (for an implicit deny).
   */
  evaluation?: string[]
  /** The smallest statement that would have allowed it (or, for an explicit deny, the one to remove). */
  fix?: object
  /** Where `fix` goes, in plain words. */
  fixIn?: string
}

interface Window { since?: number }

/** What a subject's own records say before the decision: the links, the symptom, the denial. */
interface Trace {
  chain: string[]
  symptom?: string
  decision?: DecisionRecord
  /** Said as `why` when no decision is found. */
  why?: string
}

const DENIED = ['ImplicitDeny', 'ExplicitDeny'] as const
/** How many rows a scan of the decision log reads at most (the log keeps a bounded number). */
const SCAN = 10_000

export function explain (emulator: Emulator, subject: string,
  window: Window = {}): Explanation | undefined {
  const trace = traceOf(emulator, subject.trim(), window)
  if (trace === undefined) return undefined

  const out: Explanation = { subject, chain: [...trace.chain], policies: [], why: '' }
  if (trace.symptom !== undefined) out.symptom = trace.symptom
  if (trace.decision === undefined) {
    out.why = trace.why ?? 'no authorization was denied for it'
    return out
  }
  return { ...out, ...explainDecision(emulator, trace.decision, out.chain) }
}

function traceOf (emulator: Emulator, subject: string, window: Window): Trace | undefined {
  if (/^i-[0-9a-f]{8,17}$/.test(subject)) return instanceTrace(emulator, subject, window)
  const arn = parseArn(subject)
  if (arn === undefined) return requestTrace(emulator, subject, window)
  const kind = arn.resource.split('/')[0]
  if (arn.service === 'ecs' && kind === 'task') return taskTrace(emulator, subject, window)
  if (arn.service === 'ecs' && kind === 'service') return serviceTrace(emulator, subject, window)
  if (arn.service === 'ecs' && kind === 'container-instance') {
    return containerInstanceTrace(emulator, subject, window)
  }
  if (arn.service === 'elasticloadbalancing' && kind === 'targetgroup') {
    return targetGroupTrace(emulator, subject, window)
  }
  if (arn.service === 'ec2' && kind === 'instance') {
    return instanceTrace(emulator, arn.resource.slice('instance/'.length), window)
  }
  return undefined
}

// ---------------------------------------------------------------- the subjects

function taskTrace (emulator: Emulator, taskArn: string, window: Window): Trace | undefined {
  const task = emulator.ecs.tasks.byArn(taskArn)
  if (task === undefined) return undefined

  const chain = [taskLine(task), ...containerLines(task)]
  const linked = task.stoppedDecisionId === undefined
    ? undefined
    : emulator.decisions.get(task.stoppedDecisionId)
  if (linked !== undefined) {
    chain.push(`the task's stop is linked to decision ${linked.id} (the denial the agent met)`,
      ...taskRoleLines(task, linked))
    return { chain, symptom: taskSymptom(task), decision: linked }
  }
  const latest = latestDenied(emulator, { onBehalfOf: taskArn }, window)
  if (latest !== undefined) {
    chain.push(`decision ${latest.id} is the latest denial made on the task's behalf`,
      ...taskRoleLines(task, latest))
  }
  return { chain, symptom: taskSymptom(task), decision: latest, why: noDenial('task') }
}

/** Which of the task's roles made the call: the execution role (the agent) or the task role (the app). */
function taskRoleLines (task: TaskRecord, d: DecisionRecord): string[] {
  const role = /:assumed-role\/([^/]+)\//.exec(d.principal)?.[1]
  const named = (arn: string | undefined): boolean => arn !== undefined && lastSegment(arn) === role
  if (named(task.roles.execution?.roleArn)) {
    return [`the agent made the call with the task's execution role, ${task.roles.execution!.roleArn}`]
  }
  if (named(task.roles.task?.roleArn)) {
    return [`the application made the call with the task's role, ${task.roles.task!.roleArn}`]
  }
  return []
}

function taskLine (task: TaskRecord): string {
  if (task.lastStatus !== 'STOPPED') {
    return `the task ${task.taskArn} is ${task.lastStatus} (desired ${task.desiredStatus})`
  }
  const code = task.stopCode === undefined ? '' : ` (${task.stopCode})`
  return `the task ${task.taskArn} stopped${code}: ${task.stoppedReason ?? 'no reason given'}`
}

/** Container reasons that say more than the task's stoppedReason (CannotPullContainerError ...). */
function containerLines (task: TaskRecord): string[] {
  return task.containers
    .filter(c => c.reason !== undefined && c.reason !== task.stoppedReason)
    .map(c => `its container ${c.name} says: ${c.reason!}`)
}

function taskSymptom (task: TaskRecord): string | undefined {
  const container = task.containers.find(c => c.reason !== undefined)?.reason
  return task.stoppedReason ?? container
}

function serviceTrace (emulator: Emulator, serviceArn: string, window: Window): Trace | undefined {
  const service = emulator.ecs.services.byArn(serviceArn)
  if (service === undefined) return undefined

  const chain: string[] = []
  const event = service.events.find(e => e.decisionId !== undefined && inWindow(e.createdAt, window))
  const newest = service.events[0]?.message
  if (event !== undefined) {
    chain.push(`the service ${serviceArn} says: ${event.message}`)
    const linked = emulator.decisions.get(event.decisionId!)
    if (linked !== undefined) {
      chain.push(`the event is linked to decision ${linked.id}`, ...serviceRoleLines(service))
      return { chain, symptom: event.message, decision: linked }
    }
  } else if (newest !== undefined) {
    chain.push(`the service ${serviceArn} says: ${newest}`)
  } else {
    chain.push(`the service ${serviceArn} has no events yet`)
  }
  return serviceFallback(emulator, service, window, { chain, symptom: event?.message ?? newest })
}

/** No event names a denial: the latest denial on the service's behalf, or a stopped task's. */
function serviceFallback (emulator: Emulator, service: ServiceRecord, window: Window,
  trace: Trace): Trace {
  const latest = latestDenied(emulator, { onBehalfOf: service.serviceArn }, window)
  if (latest !== undefined) {
    trace.chain.push(`decision ${latest.id} is the latest denial made on the service's behalf`,
      ...serviceRoleLines(service))
    return { ...trace, decision: latest }
  }
  const stopped = stoppedByDenial(emulator, service)
  if (stopped === undefined) return { ...trace, why: noDenial('service') }
  const task = taskTrace(emulator, stopped.taskArn, window)!
  return { ...task, chain: [...trace.chain, `one of its tasks stopped on a denial:`, ...task.chain] }
}

function serviceRoleLines (service: ServiceRecord): string[] {
  if (service.roleArn === undefined) return []
  const which = service.roleGiven ? 'the service role it was given' : 'the service-linked role'
  return [`ECS's scheduler calls Elastic Load Balancing for it as ${which}, ${service.roleArn}`]
}

function stoppedByDenial (emulator: Emulator, service: ServiceRecord): TaskRecord | undefined {
  const group = serviceGroup(service.serviceName)
  const tasks = emulator.ecs.tasks.list(service, service.cluster, { group })
  return tasks.filter(t => t.stoppedDecisionId !== undefined)
    .sort((a, b) => Number(b.stoppedDecisionId) - Number(a.stoppedDecisionId))[0]
}

function targetGroupTrace (emulator: Emulator, arn: string, window: Window): Trace | undefined {
  const scope = scopeOf(arn)
  const services = emulator.ecs.services.live()
    .filter(s => s.account === scope.account && s.region === scope.region &&
      s.loadBalancers.some(lb => lb.targetGroupArn === arn))
  const group = emulator.elbv2.get('target-group', arn)
  if (group === undefined && services.length === 0) return undefined

  if (services.length === 0) {
    const chain = [`no service registers targets in the target group ${arn}`]
    return { chain, why: 'no service registers targets in it' }
  }
  const traces = services.map(s => serviceTrace(emulator, s.serviceArn, window)!)
  const found = traces.find(t => t.decision !== undefined) ?? traces[0]
  const name = services[traces.indexOf(found)].serviceArn
  const link = `the target group ${arn} gets its targets from the service ${name}`
  return { ...found, chain: [link, ...found.chain] }
}

function containerInstanceTrace (emulator: Emulator, arn: string, window: Window): Trace | undefined {
  const parsed = parseArn(arn)!
  const [, cluster, id] = parsed.resource.split('/')
  const instance = emulator.ecs.containerInstances.get(scopeOf(arn), cluster ?? '', id ?? '')
  if (instance === undefined) return undefined

  const connected = instance.agentConnected ? 'its agent is connected' : 'its agent is not connected'
  const line = `the container instance ${arn} is ${instance.status}, and ${connected}`
  if (instance.ec2InstanceId === undefined) return { chain: [line], why: noDenial('container instance') }
  const ec2 = instanceTrace(emulator, instance.ec2InstanceId, window)
  return ec2 === undefined
    ? { chain: [line], why: noDenial('container instance') }
    : { ...ec2, chain: [line, ...ec2.chain.slice(1)] }
}

function instanceTrace (emulator: Emulator, instanceId: string, window: Window): Trace | undefined {
  const instance = emulator.ec2.store.instanceById(instanceId)
  const agent = agentDenial(emulator, instanceId, window)
  const trust = instance === undefined
    ? undefined
    : latestDenied(emulator, { onBehalfOf: instanceArn(instance) }, window)
  const decision = newest(agent, trust)
  if (instance === undefined && decision === undefined) return undefined

  const chain = [joinedLine(emulator, instanceId, instance)]
  if (instance !== undefined) chain.push(profileLine(emulator, instance))
  if (decision === agent && agent !== undefined) {
    chain.push(`its agent calls as ${agent.principal}; decision ${agent.id} is its latest denial`)
  } else if (decision !== undefined) {
    chain.push(`EC2 could not get the role's credentials for it: decision ${decision.id}`)
  }
  const why = instance?.iamInstanceProfile === undefined
    ? 'the instance has no instance profile: its agent has no credentials to call ECS with'
    : noDenial('instance')
  return { chain, decision, why }
}

function joinedLine (emulator: Emulator, instanceId: string,
  instance: InstanceRecord | undefined): string {
  if (instance === undefined) {
    return `the EC2 instance ${instanceId} is not known, but its agent's calls are`
  }
  const scope = { account: instance.account, region: instance.region }
  for (const cluster of emulator.ecs.clusters.list(scope)) {
    const joined = emulator.ecs.containerInstances.byEc2Instance(scope, cluster.clusterName, instanceId)
    if (joined !== undefined) {
      return `the EC2 instance ${instanceId} is the container instance ` +
        `${joined.containerInstanceArn} of the cluster ${cluster.clusterName}`
    }
  }
  const wanted = instance.cluster ?? 'default'
  return `the EC2 instance ${instanceId} is ${instance.state}, and it never joined the cluster ${wanted}`
}

function profileLine (emulator: Emulator, instance: InstanceRecord): string {
  const ref = instance.iamInstanceProfile
  if (ref === undefined) return 'it was launched without an instance profile'
  const profile = emulator.iam.instanceProfile(instance.account, ref.name)
  const role = profile?.roles[0]
  if (role === undefined) return `its instance profile ${ref.name} holds no role`
  return `its instance profile ${ref.name} holds the role ${role}`
}

/** The latest denial of the instance's agent: principals `assumed-role/ROLE/i-...`. */
function agentDenial (emulator: Emulator, instanceId: string,
  window: Window): DecisionRecord | undefined {
  const suffix = `/${instanceId}`
  const mine = (d: DecisionRecord): boolean =>
    d.principal.includes(':assumed-role/') && d.principal.endsWith(suffix)
  return newest(...DENIED.map(decision =>
    emulator.decisions.query({ decision, since: window.since, limit: SCAN }).find(mine)))
}

function requestTrace (emulator: Emulator, requestId: string, window: Window): Trace | undefined {
  const all = emulator.decisions.query({ requestId, since: window.since, limit: 1000 }).reverse()
  if (all.length === 0) return undefined

  const denied = all.find(d => d.decision !== 'Allow')
  const chain = [`the request ${requestId} was authorized ${all.length} time(s)`]
  if (denied === undefined) {
    return { chain, why: `every authorization of the request ${requestId} was allowed` }
  }
  // The caller's own call: the AccessDenied message is what the caller saw.
  const direct = denied.onBehalfOf === undefined && denied.principal.startsWith('arn:')
  if (!direct && denied.onBehalfOf !== undefined) {
    chain.push(`decision ${denied.id} was made on behalf of ${denied.onBehalfOf}`)
  }
  return { chain, symptom: direct ? denied.message : undefined, decision: denied }
}

// ---------------------------------------------------------------- the decision

type DecisionPart = Pick<Explanation,
  'decision' | 'principal' | 'role' | 'policies' | 'why' | 'evaluation' | 'fix' | 'fixIn'>

function explainDecision (emulator: Emulator, d: DecisionRecord, chain: string[]): DecisionPart {
  const who = principalOf(emulator, d)
  const policies = evaluatedPolicies(emulator, d, who)
  const cause = causeOf(emulator, d, who)

  if (who.roleArn !== undefined && who.principal.type !== 'service') {
    chain.push(`${d.principal} is a session of the role ${who.roleArn}`)
  }
  chain.push(...unevaluableLines(d))
  if (!d.enforced) chain.push('under --iam soft the denial was recorded, not enforced')
  chain.push(`decision ${d.id}: ${d.principal} was denied ${d.action} on ${d.resource} (${d.decision})`)
  const out: DecisionPart = { decision: d, principal: d.principal, policies, why: cause.why }
  // A user refused a role by its trust policy: the role is the one it asked for.
  const role = who.roleArn ?? (d.action === 'sts:AssumeRole' ? d.resource : undefined)
  if (role !== undefined) out.role = role
  if (cause.fix !== undefined) out.fix = cause.fix
  if (cause.fixIn !== undefined) out.fixIn = cause.fixIn
  const evaluation = evaluationOf(emulator, d, who)
  if (evaluation.length > 0) out.evaluation = evaluation
  return out
}

interface Who {
  principal: Principal
  /** The role behind a session; for a service principal, the role it tried to assume. */
  roleArn?: string
  roleName?: string
  userName?: string
}

function principalOf (emulator: Emulator, d: DecisionRecord): Who {
  const session = /^arn:aws[\w-]*:sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/.exec(d.principal)
  if (session !== null) {
    const [, account, roleName] = session
    const roleArn = emulator.iam.role(account, roleName)?.arn ?? `arn:aws:iam::${account}:role/${roleName}`
    const principal: Principal = { type: 'assumed-role', arn: d.principal, account, roleArn, userId: '' }
    return { principal, roleArn, roleName }
  }
  const user = /^arn:aws[\w-]*:iam::(\d{12}):user\/(?:.*\/)?([^/]+)$/.exec(d.principal)
  if (user !== null) {
    const [, account, userName] = user
    return { principal: { type: 'user', arn: d.principal, account, userName, userId: '' }, userName }
  }
  const root = /^arn:aws[\w-]*:iam::(\d{12}):root$/.exec(d.principal)
  if (root !== null) {
    return { principal: { type: 'root', arn: d.principal, account: root[1], userId: root[1] } }
  }
  // A service principal (ecs.amazonaws.com): it asked to assume the decision's resource.
  const account = parseArn(d.resource)?.account ?? ''
  const service: Who = { principal: { type: 'service', arn: d.principal, account, userId: d.principal } }
  return d.action === 'sts:AssumeRole' ? { ...service, ...roleRef(d.resource) } : service
}

function roleRef (roleArn: string): Pick<Who, 'roleArn' | 'roleName'> {
  return { roleArn, roleName: lastSegment(roleArn) }
}

const lastSegment = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1)

function evaluatedPolicies (emulator: Emulator, d: DecisionRecord, who: Who): Explanation['policies'] {
  const set = who.principal.type === 'assumed-role' || who.principal.type === 'user'
    ? emulator.iam.policySetFor(who.principal)
    : { identity: [] }
  const out = [...set.identity, ...(set.boundary ?? [])]
    .map(p => ({ arn: p.id, kind: p.kind as string }))
  const ref = d.decidedBy
  if (ref !== undefined && (ref.kind === 'session' || ref.kind === 'resource')) {
    out.push({ arn: ref.policy, kind: ref.kind })
  }
  if (blocking(d) === 'trust' || ref?.kind === 'trust') out.push({ arn: d.resource, kind: 'trust' })
  return out
}

const blocking = (d: DecisionRecord): PolicyKind | undefined =>
  d.decision === 'ExplicitDeny' ? d.decidedBy?.kind : d.missingAllowIn

interface Cause { why: string, fix?: object, fixIn?: string }

function causeOf (emulator: Emulator, d: DecisionRecord, who: Who): Cause {
  if (d.decision === 'ExplicitDeny' && d.decidedBy !== undefined) {
    return explicitDeny(emulator, d.decidedBy, who)
  }
  const kind = d.missingAllowIn
  if (kind === 'trust') return trustCause(emulator, d, who)
  const allow: PolicyStatement = { Effect: 'Allow', Action: d.action, Resource: d.resource }
  const owner = ownerText(who)
  if (kind === 'boundary') {
    const boundary = boundaryOf(emulator, who)
    const named = `the permissions boundary${boundary === undefined ? '' : ` ${boundary}`}`
    return {
      why: `${named} of ${owner} does not allow ${d.action}`,
      fix: allow,
      fixIn: `the permissions boundary of ${owner} (or remove the boundary)`
    }
  }
  if (kind === 'session') {
    const fixIn = 'the session policy of the AssumeRole call'
    return { why: `no session policy allows ${d.action}`, fix: allow, fixIn }
  }
  if (kind === 'resource') return resourceCause(d, who)
  const fixIn = `an identity-based policy of ${owner}`
  return { why: `no identity-based policy allows ${d.action}`, fix: allow, fixIn }
}

function ownerText (who: Who): string {
  if (who.roleName !== undefined) return `the role ${who.roleName}`
  if (who.userName !== undefined) return `the user ${who.userName}`
  return who.principal.arn
}

function boundaryOf (emulator: Emulator, who: Who): string | undefined {
  const account = who.principal.account
  if (who.roleName !== undefined) return emulator.iam.role(account, who.roleName)?.permissionsBoundaryArn
  if (who.userName !== undefined) return emulator.iam.user(account, who.userName)?.permissionsBoundaryArn
  return undefined
}

function trustCause (emulator: Emulator, d: DecisionRecord, who: Who): Cause {
  // The role asked for is the decision's resource (a session's own role is another one).
  const roleName = lastSegment(d.resource)
  const service = who.principal.type === 'service'
  const principal = service
    ? { Service: d.principal }
    : { AWS: who.principal.type === 'assumed-role' ? who.roleArn! : d.principal }
  const fix = { Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }
  const role = emulator.iam.role(parseArn(d.resource)?.account ?? who.principal.account, roleName)
  if (role === undefined) {
    const why = `the role ${roleName} does not exist, so ${d.principal} cannot assume it`
    return { why, fix, fixIn: `the trust policy of a role ${roleName}, created first` }
  }
  return {
    why: `the trust policy of ${roleName} does not let ${d.principal} assume it`,
    fix,
    fixIn: `the trust policy (AssumeRolePolicyDocument) of the role ${roleName}`
  }
}

function resourceCause (d: DecisionRecord, who: Who): Cause {
  const principal = who.principal.type === 'service'
    ? { Service: d.principal }
    : { AWS: who.roleArn ?? d.principal }
  return {
    why: `no resource-based policy allows ${d.action}`,
    fix: { Effect: 'Allow', Principal: principal, Action: d.action, Resource: d.resource },
    fixIn: `the resource-based policy of ${d.resource}`
  }
}

function explicitDeny (emulator: Emulator, ref: StatementRef, who: Who): Cause {
  const statement = statementOf(emulator, ref, who)
  const where = ref.kind === 'trust'
    ? `the trust policy of ${lastSegment(ref.policy)}`
    : policyName(ref.policy)
  const label = ref.statement.startsWith('#') ? `statement ${ref.statement}` : `Sid ${ref.statement}`
  const fix: Record<string, unknown> = { remove: { policy: ref.policy, statement: ref.statement } }
  if (statement !== undefined) fix.statement = statement
  return { why: `explicitly denied by ${where} (${label})`, fix, fixIn: `remove ${label} from ${where}` }
}

/** `role/NAME/policy/POLICY` (an inline policy) as `NAME/POLICY`; managed policies by ARN. */
function policyName (id: string): string {
  const inline = /^(?:role|user)\/([^/]+)\/policy\/(.+)$/.exec(id)
  return inline === null ? id : `${inline[1]}/${inline[2]}`
}

/** The statement a StatementRef names, from the policy as the directory has it now. */
function statementOf (emulator: Emulator, ref: StatementRef, who: Who): PolicyStatement | undefined {
  const doc = documentOf(emulator, ref, who)
  if (doc === undefined) return undefined
  const list = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement]
  if (ref.statement.startsWith('#')) return list[Number(ref.statement.slice(1))]
  return list.find(s => s.Sid === ref.statement)
}

function documentOf (emulator: Emulator, ref: StatementRef, who: Who): PolicyDocument | undefined {
  if (ref.kind === 'trust') {
    const account = parseArn(ref.policy)?.account ?? who.principal.account
    return emulator.iam.role(account, lastSegment(ref.policy))?.assumeRolePolicyDocument
  }
  if (ref.kind !== 'identity' && ref.kind !== 'boundary') return undefined
  const set = emulator.iam.policySetFor(who.principal)
  return [...set.identity, ...(set.boundary ?? [])].find(p => p.id === ref.policy)?.document
}

function unevaluableLines (d: DecisionRecord): string[] {
  return d.unevaluable.map(u =>
    `${policyName(u.policy)} (${u.statement}) could not be evaluated (${u.reason}): ` +
    'it allows nothing, and a Deny of it applies')
}

// ---------------------------------------------------------------- what the policies say

/**
 * For an implicit deny in the identity policies or the boundary: each Allow statement that
 * names the action, and why it did not apply (the resource, a condition); or that none names
 * it. Evaluated again, statement by statement, against the decision's request and context.
 */
function evaluationOf (emulator: Emulator, d: DecisionRecord, who: Who): string[] {
  const kind = d.decision === 'ImplicitDeny' ? d.missingAllowIn : undefined
  const typed = who.principal.type === 'assumed-role' || who.principal.type === 'user'
  if (!typed || (kind !== 'identity' && kind !== 'boundary')) return []

  const set = emulator.iam.policySetFor(who.principal)
  const layer = kind === 'identity' ? set.identity : (set.boundary ?? [])
  const request: AuthorizationRequest = {
    principal: who.principal, action: d.action, resource: d.resource, context: d.context
  }
  if (evaluate(request, set).decision === 'Allow') {
    return [`the policies of ${ownerText(who)} allow ${d.action} now: ` +
      `they changed after decision ${d.id}`]
  }
  const lines = layer.flatMap(p => statementsOf(p).flatMap((st, i) => missLine(request, p, st, i)))
  if (lines.length > 0) return lines
  if (layer.length === 0) {
    return [`${ownerText(who)} has no ${kind === 'identity' ? 'identity-based policies' : 'boundary'}`]
  }
  const n = `${layer.length} ${layer.length === 1 ? 'policy' : 'policies'}`
  return [`none of the ${n} evaluated has a statement that allows ${d.action}`]
}

function statementsOf (p: Policy): PolicyStatement[] {
  const s = p.document.Statement
  return Array.isArray(s) ? s : [s]
}

/** Why an Allow statement naming the action did not allow the request (nothing if it names another). */
function missLine (request: AuthorizationRequest, p: Policy, st: PolicyStatement, i: number): string[] {
  if (st.Effect !== 'Allow') return []
  const allows = (probe: PolicyStatement): boolean => evaluate(request, {
    identity: [{ kind: 'identity', id: p.id, document: { ...p.document, Statement: [probe] } }]
  }).decision === 'Allow'
  const anyResource = { ...st, Resource: '*', NotResource: undefined, Condition: undefined }
  if (!allows(anyResource)) return []

  const sid = st.Sid !== undefined && st.Sid !== '' ? `Sid ${st.Sid}` : `statement #${i}`
  const says = `${policyName(p.id)} (${sid}) allows ${request.action}`
  if (st.Condition !== undefined && allows({ ...st, Condition: undefined })) {
    return [`${says} only when ${JSON.stringify(st.Condition)}, which did not hold`]
  }
  if (st.NotResource !== undefined) return [`${says} on every resource but ${listText(st.NotResource)}`]
  return [`${says} only on ${listText(st.Resource ?? [])}`]
}

const listText = (v: string | string[]): string => (Array.isArray(v) ? v : [v]).join(', ')

// ---------------------------------------------------------------- helpers

function latestDenied (emulator: Emulator, q: { onBehalfOf: string },
  window: Window): DecisionRecord | undefined {
  return newest(...DENIED.map(decision =>
    emulator.decisions.query({ ...q, decision, since: window.since, limit: 1 })[0]))
}

function newest (...found: (DecisionRecord | undefined)[]): DecisionRecord | undefined {
  return found.filter(d => d !== undefined)
    .sort((a, b) => Number(b.id) - Number(a.id))[0]
}

const inWindow = (at: number, window: Window): boolean =>
  window.since === undefined || at >= window.since

const noDenial = (what: string): string => `no denied authorization is linked to the ${what}`

function scopeOf (arn: string): Scope {
  const parsed = parseArn(arn)
  return { account: parsed?.account ?? '', region: parsed?.region ?? '' }
}
