/**
 * The dashboard's read model: what the page shows, read in-process from the emulator's tables
 * (every account and region), in slim shapes; and the changes since the last look, as deltas.
 *
 * Changes are found by polling, cheaply: nothing is read while the connection's change count
 * (`total_changes()`) stands still; otherwise tasks, services and container instances are
 * compared by their `version` and length (read in SQL, no document parsed in JS), and only the
 * documents that changed are read. The few clusters, target groups and roles are compared whole.
 * Decisions are read from the last sequence number seen on.
 */
import type { Emulator } from '../../src/emulator.js'
import type Database from 'better-sqlite3'
import type { DecisionRecord } from '../../store/decisions.js'
import type { TaskRecord } from '../../src/ecs/task.js'
import type { ServiceRecord } from '../../src/ecs/service.js'
import type { ClusterRecord } from '../../src/ecs/cluster.js'
import type { ContainerInstanceRecord } from '../../src/ecs/container-instance.js'
import type { ListenerRecord, RuleRecord, TargetGroupRecord } from '../../src/elbv2/types.js'
import type { StoredRole } from '../../store/iam.js'
import { describeHealth, type TargetHealthDescription } from '../../src/elbv2/health.js'
import { forwardedGroups } from '../../src/elbv2/actions.js'

export type Kind = 'clusters' | 'instances' | 'services' | 'tasks' | 'targetGroups' | 'roles'
export const KINDS: readonly Kind[] =
  ['clusters', 'instances', 'services', 'tasks', 'targetGroups', 'roles']

/** A decision as the page shows it: the record without its context and evaluation details. */
export type UiDecision = Pick<DecisionRecord, 'id' | 'time' | 'requestId' | 'principal' | 'action' |
  'resource' | 'decision' | 'enforced' | 'message' | 'onBehalfOf'>

/** What a role was used for: each action its sessions were allowed or denied; who assumed it. */
export interface RoleUse { action: string, allowed: number, denied: number, last: number }

/** Everything, keyed by ARN (what a delta's `put` and `remove` are keyed by too). */
export type Snapshot = Record<Kind, Record<string, unknown>> &
  { decisions: UiDecision[], seq: number }

export interface Delta {
  put: Partial<Record<Kind, Record<string, unknown>>>
  remove: Partial<Record<Kind, string[]>>
  decisions: UiDecision[]
  /** The decision log was emptied (POST /_emulator/reset): what the page kept is gone. */
  decisionsCleared?: true
  seq: number
}

/** How many decisions a snapshot carries (the page keeps about as many). */
const RECENT_DECISIONS = 300
/** How many decisions one look reads at most (a burst beyond is skipped, counted in roles). */
const DECISIONS_PER_LOOK = 2_000
/** How many of a service's events the page shows. */
const SERVICE_EVENTS = 25

const ROLE_SESSION = /^arn:aws[\w-]*:sts::(\d{12}):assumed-role\/([^/]+)\//
const ROLE_ARN = /^arn:aws[\w-]*:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/

/**
 * What tells a changed task, service or instance: its version (bumped by every change ECS
 * makes), and its document's length for the writes that do not bump it (an acknowledgement).
 */
const STAMP = `json_extract(doc, '$.version') || ':' || length(doc)`

interface Versioned { key: string, v: string }
/** A small kind's item: its ARN, what tells it changed, and what the page gets. */
interface Stamped { arn: string, stamp: string, value: unknown }
/** What the page needs of a target group beyond what it shows (its ARN, its targets' states). */
interface UiTargetGroup { arn: string, targets: { state: string }[], [more: string]: unknown }

const docs = <T>(statement: Stmt): T[] => (statement.all() as string[]).map(d => JSON.parse(d) as T)
type Stmt = Database.Statement<unknown[]>
type Tracked = 'tasks' | 'services' | 'instances'

export class UiState {
  readonly #changes
  readonly #versions: Record<Tracked, Stmt>
  readonly #docs: Record<Tracked, Stmt>
  readonly #clusters
  readonly #targetGroups
  readonly #listeners
  readonly #rules
  readonly #decisionExists
  readonly #roles
  readonly #decisions
  readonly #seen = new Map<Kind, Map<string, number | string>>(KINDS.map(k => [k, new Map()]))
  readonly #current = new Map<Kind, Map<string, unknown>>(KINDS.map(k => [k, new Map()]))
  /** Role usage by `ACCOUNT/ROLE_NAME`, from every decision seen. */
  readonly #use = new Map<string, Map<string, RoleUse>>()
  #recent: UiDecision[] = []
  #seq = 0
  #lastChanges = -1

  constructor (readonly emulator: Emulator) {
    const db = emulator.db
    this.#changes = db.prepare('SELECT total_changes()').pluck()
    this.#versions = {
      tasks: db.prepare(`SELECT task_arn AS key, ${STAMP} AS v FROM ecs_tasks_v1`),
      services: db.prepare(`SELECT service_arn AS key, ${STAMP} AS v FROM ecs_services_v1`),
      instances: db.prepare(`SELECT json_extract(doc, '$.containerInstanceArn') AS key, ${STAMP} AS v
        FROM ecs_container_instances_v1`)
    }
    this.#docs = {
      tasks: db.prepare(`SELECT doc FROM ecs_tasks_v1
        WHERE task_arn IN (SELECT value FROM json_each(?))`).pluck(),
      services: db.prepare(`SELECT doc FROM ecs_services_v1
        WHERE service_arn IN (SELECT value FROM json_each(?))`).pluck(),
      instances: db.prepare(`SELECT doc FROM ecs_container_instances_v1
        WHERE json_extract(doc, '$.containerInstanceArn') IN (SELECT value FROM json_each(?))`).pluck()
    }
    this.#clusters = db.prepare('SELECT doc FROM ecs_clusters_v1 ORDER BY seq').pluck()
    const kind = (k: string) =>
      db.prepare(`SELECT doc FROM elbv2_resources_v1 WHERE kind = '${k}' ORDER BY seq`).pluck()
    this.#targetGroups = kind('target-group')
    this.#listeners = kind('listener')
    this.#rules = kind('rule')
    this.#roles = db.prepare('SELECT doc FROM iam_roles_v1').pluck()
    this.#decisions = db.prepare('SELECT seq, doc FROM decisions_v2 WHERE seq > ? ORDER BY seq LIMIT ?')
    this.#decisionExists = db.prepare('SELECT 1 FROM decisions_v2 WHERE seq = ?').pluck()
    this.#startDecisions()
  }

  /** The whole picture as of the last look (call `look()` first for now). */
  snapshot (): Snapshot {
    const out = { decisions: this.#recent.slice(-RECENT_DECISIONS), seq: this.#seq } as Snapshot
    for (const k of KINDS) out[k] = Object.fromEntries(this.#current.get(k)!)
    return out
  }

  /** What changed since the last look; undefined when nothing did. */
  look (now = Date.now()): Delta | undefined {
    this.emulator.decisions.flush()
    const changes = this.#changes.get() as number
    if (changes === this.#lastChanges && !this.#draining()) return undefined
    this.#lastChanges = changes

    const cleared = this.#logCleared()
    const delta: Delta = { put: {}, remove: {}, decisions: this.#newDecisions(), seq: this.#seq }
    if (cleared) delta.decisionsCleared = true
    this.#diffVersioned(delta, 'tasks', slimTask)
    this.#diffVersioned(delta, 'services', slimService)
    this.#diffVersioned(delta, 'instances', slimInstance)
    this.#diffWhole(delta, 'clusters', this.#readClusters())
    this.#diffWhole(delta, 'targetGroups', this.#readTargetGroups(now))
    this.#diffWhole(delta, 'roles', this.#readRoles())
    const empty = !cleared && delta.decisions.length === 0 && Object.keys(delta.put).length === 0 &&
      Object.keys(delta.remove).length === 0
    return empty ? undefined : delta
  }

  // --- versioned kinds: compare versions, read what changed ---------------------------------

  #diffVersioned<T> (delta: Delta, kind: Tracked, slim: (r: T) => unknown): void {
    const seen = this.#seen.get(kind)!
    const rows = this.#versions[kind].all() as Versioned[]
    const changed: string[] = []
    const present = new Set<string>()
    for (const r of rows) {
      present.add(r.key)
      if (seen.get(r.key) !== r.v) { seen.set(r.key, r.v); changed.push(r.key) }
    }
    const gone = [...seen.keys()].filter(k => !present.has(k))
    if (changed.length > 0) {
      const docs = this.#docs[kind].all(JSON.stringify(changed)) as string[]
      this.#put(delta, kind, docs.map(d => slim(JSON.parse(d) as T) as { arn: string }))
    }
    this.#remove(delta, kind, gone)
  }

  // --- small kinds: compare whole documents --------------------------------------------------

  #diffWhole (delta: Delta, kind: Kind, items: Stamped[]): void {
    const seen = this.#seen.get(kind)!
    const present = new Set(items.map(i => i.arn))
    const changed = items.filter(i => seen.get(i.arn) !== i.stamp)
    for (const i of changed) seen.set(i.arn, i.stamp)
    this.#put(delta, kind, changed.map(i => i.value as { arn: string }))
    this.#remove(delta, kind, [...seen.keys()].filter(k => !present.has(k)))
  }

  #put (delta: Delta, kind: Kind, values: { arn: string }[]): void {
    if (values.length === 0) return
    const current = this.#current.get(kind)!
    const put = delta.put[kind] ??= {}
    for (const v of values) { current.set(v.arn, v); put[v.arn] = v }
  }

  #remove (delta: Delta, kind: Kind, arns: string[]): void {
    if (arns.length === 0) return
    for (const arn of arns) {
      this.#seen.get(kind)!.delete(arn)
      this.#current.get(kind)!.delete(arn)
    }
    delta.remove[kind] = arns
  }

  #readClusters (): Stamped[] {
    return (this.#clusters.all() as string[]).map(doc => {
      const c = JSON.parse(doc) as ClusterRecord
      return { arn: c.clusterArn, stamp: doc, value: slimCluster(c) }
    })
  }

  /** Target groups with their targets' health as DescribeTargetHealth reports it. */
  #readTargetGroups (now: number): Stamped[] {
    const groups = docs<TargetGroupRecord>(this.#targetGroups)
    if (groups.length === 0) return []
    const inUse = this.#groupsInUse()
    return groups.map(tg => {
      const arn = tg.targetGroup.TargetGroupArn
      const targets = describeHealth(tg, inUse.has(arn), this.emulator.elbv2.health, now)
      const value = slimTargetGroup(tg, targets)
      return { arn, stamp: JSON.stringify(value), value }
    })
  }

  #groupsInUse (): Set<string> {
    const listeners = docs<ListenerRecord>(this.#listeners).map(l => l.listener)
    const rules = docs<RuleRecord>(this.#rules).map(r => r.rule)
    const actions = [...listeners.map(l => l.DefaultActions), ...rules.map(r => r.Actions)]
    return new Set(actions.flatMap(a => forwardedGroups(a)))
  }

  /** A draining target turns `unused` when its delay is over, with no write to notice. */
  #draining (): boolean {
    const groups = [...this.#current.get('targetGroups')!.values()] as UiTargetGroup[]
    return groups.some(g => g.targets.some(t => t.state === 'draining'))
  }

  // --- roles and decisions -------------------------------------------------------------------

  #readRoles (): Stamped[] {
    return (this.#roles.all() as string[]).map(doc => {
      const r = JSON.parse(doc) as StoredRole
      const use = [...(this.#use.get(`${r.account}/${r.roleName}`)?.values() ?? [])]
        .sort((a, b) => b.last - a.last)
      const stamp = `${doc}#${use.reduce((n, u) => n + u.allowed + u.denied, 0)}`
      const value = {
        arn: r.arn, name: r.roleName, account: r.account, path: r.path, createDate: r.createDate, use
      }
      return { arn: r.arn, stamp, value }
    })
  }

  /**
   * Whether the log lost the newest decision seen: pruning drops only the oldest, so only a
   * reset does that. What was counted and kept from it is forgotten.
   */
  #logCleared (): boolean {
    if (this.#recent.length === 0 || this.#decisionExists.get(this.#seq) !== undefined) return false
    this.#recent = []
    this.#use.clear()
    return true
  }

  #startDecisions (): void {
    for (;;) {
      const batch = this.#readDecisions(10_000)
      if (batch.length === 0) break
    }
  }

  #newDecisions (): UiDecision[] {
    return this.#readDecisions(DECISIONS_PER_LOOK)
  }

  #readDecisions (limit: number): UiDecision[] {
    const rows = this.#decisions.all(this.#seq, limit) as { seq: number, doc: string }[]
    const out = rows.map(r => slimDecision(JSON.parse(r.doc) as DecisionRecord))
    if (rows.length > 0) this.#seq = rows[rows.length - 1].seq
    for (const d of out) this.#countUse(d)
    this.#recent.push(...out)
    if (this.#recent.length > RECENT_DECISIONS * 2) {
      this.#recent = this.#recent.slice(-RECENT_DECISIONS)
    }
    return out
  }

  #countUse (d: UiDecision): void {
    const key = roleKey(d)
    if (key === undefined) return
    const uses = this.#use.get(key) ?? new Map<string, RoleUse>()
    this.#use.set(key, uses)
    const action = ROLE_SESSION.test(d.principal) ? d.action : `assumed by ${d.principal}`
    const use = uses.get(action) ?? { action, allowed: 0, denied: 0, last: 0 }
    if (d.decision === 'Allow') use.allowed++
    else use.denied++
    use.last = d.time
    uses.set(action, use)
  }
}

/** The role a decision is about: its session's (the principal), or the one being assumed. */
function roleKey (d: UiDecision): string | undefined {
  const session = ROLE_SESSION.exec(d.principal)
  if (session !== null) return `${session[1]}/${session[2]}`
  if (!d.action.startsWith('sts:AssumeRole')) return undefined
  const role = ROLE_ARN.exec(d.resource)
  return role === null ? undefined : `${role[1]}/${role[2]}`
}

// --- the slim shapes -------------------------------------------------------------------------

function slimDecision (d: DecisionRecord): UiDecision {
  return {
    id: d.id, time: d.time, requestId: d.requestId, principal: d.principal, action: d.action,
    resource: d.resource, decision: d.decision, enforced: d.enforced, message: d.message,
    onBehalfOf: d.onBehalfOf
  }
}

function slimCluster (c: ClusterRecord): unknown {
  return {
    arn: c.clusterArn, name: c.clusterName, status: c.status, account: c.account, region: c.region
  }
}

function slimInstance (i: ContainerInstanceRecord): unknown {
  const resource = (list: ContainerInstanceRecord['remainingResources'], name: string) =>
    list.find(r => r.name === name)?.integerValue
  return {
    arn: i.containerInstanceArn, id: i.id, cluster: i.cluster, account: i.account, region: i.region,
    ec2InstanceId: i.ec2InstanceId, status: i.status, statusReason: i.statusReason,
    agentConnected: i.agentConnected, running: i.runningTasksCount, pending: i.pendingTasksCount,
    cpu: [resource(i.remainingResources, 'CPU'), resource(i.registeredResources, 'CPU')],
    memory: [resource(i.remainingResources, 'MEMORY'), resource(i.registeredResources, 'MEMORY')],
    agentVersion: i.versionInfo.agentVersion
  }
}

function slimService (s: ServiceRecord): unknown {
  return {
    arn: s.serviceArn, name: s.serviceName, cluster: s.cluster, account: s.account, region: s.region,
    status: s.status, desiredCount: s.desiredCount, taskDefinition: s.taskDefinition,
    launchType: s.launchType, roleArn: s.roleArn, steady: s.steady,
    loadBalancers: s.loadBalancers.map(l => ({
      targetGroupArn: l.targetGroupArn, containerName: l.containerName, containerPort: l.containerPort
    })),
    deployments: s.deployments.map(d => ({
      id: d.id, status: d.status, taskDefinition: d.taskDefinition, desiredCount: d.desiredCount,
      failedTasks: d.failedTasks, rolloutState: d.rolloutState, rolloutStateReason: d.rolloutStateReason,
      createdAt: d.createdAt, updatedAt: d.updatedAt
    })),
    events: s.events.slice(0, SERVICE_EVENTS).map(e => ({
      id: e.id, createdAt: e.createdAt, message: e.message, decisionId: e.decisionId
    }))
  }
}

function slimTask (t: TaskRecord): unknown {
  return {
    arn: t.taskArn, id: t.id, cluster: t.cluster, account: t.account, region: t.region,
    family: t.family, revision: t.revision, group: t.group, launchType: t.launchType,
    lastStatus: t.lastStatus, desiredStatus: t.desiredStatus, healthStatus: t.healthStatus,
    containerInstanceArn: t.containerInstanceArn, createdAt: t.createdAt, startedAt: t.startedAt,
    stoppedAt: t.stoppedAt, stopCode: t.stopCode, stoppedReason: t.stoppedReason,
    stoppedDecisionId: t.stoppedDecisionId, taskRoleArn: t.taskRoleArn,
    executionRoleArn: t.executionRoleArn, startedBy: t.startedBy,
    containers: t.containers.map(c => ({
      name: c.name, image: c.image, lastStatus: c.lastStatus, exitCode: c.exitCode,
      reason: c.reason, healthStatus: c.healthStatus, essential: c.essential
    }))
  }
}

function slimTargetGroup (tg: TargetGroupRecord, health: TargetHealthDescription[]): UiTargetGroup {
  const g = tg.targetGroup
  return {
    arn: g.TargetGroupArn, name: g.TargetGroupName, account: tg.account, region: tg.region,
    protocol: g.Protocol, port: g.Port, targetType: g.TargetType,
    loadBalancerArns: g.LoadBalancerArns ?? [], healthCheckPath: g.HealthCheckPath,
    targets: health.map(h => ({
      id: h.Target.Id, port: h.Target.Port, state: h.TargetHealth.State,
      reason: h.TargetHealth.Reason, description: h.TargetHealth.Description
    }))
  }
}
