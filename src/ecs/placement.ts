/**
 * Task placement on container instances, as the ECS scheduler does it for RunTask: each
 * instance is checked (agent connected, required attributes, placement constraints, then CPU,
 * memory and host ports from its remaining resources), the ones that fit are ordered by the
 * placement strategies, and the first takes the task. Pure: the caller reads the instances
 * and writes the result in one transaction, so that concurrent calls cannot over-commit.
 */
import type { Attribute, ContainerInstanceRecord, Resource } from './container-instance.js'
import { instanceSubjects } from './container-instance.js'
import { compileQuery, type ClusterQuery } from './cluster-query.js'
import { ecsErrors } from './errors.js'
import type { TaskReservation } from './task.js'
import { AwsError } from '../../api/errors.js'

export interface PlacementConstraint { type?: 'distinctInstance' | 'memberOf', expression?: string }
export interface PlacementStrategy { type?: 'random' | 'spread' | 'binpack', field?: string }

/** A task already on an instance (not STOPPED), as placement sees it. */
export interface Occupant { group: string }

export interface Candidate {
  instance: ContainerInstanceRecord
  tasks: Occupant[]
}

export interface Demand extends TaskReservation {
  requiresAttributes: Attribute[]
  /** The group of the tasks being placed (`family:NAME` by default). */
  group: string
}

export interface PlacementFailure { arn: string, reason: string, detail?: string }

export interface PlacementRules {
  constraints: Rule[]
  strategies: PlacementStrategy[]
}

export interface PlacementResult {
  /** The instance each placed task went to, in order (fewer than asked when some did not fit). */
  placed: ContainerInstanceRecord[]
  /** Every instance as it is after booking, by ARN: what the caller saves. */
  instances: Map<string, ContainerInstanceRecord>
  failures: PlacementFailure[]
}

type Rule =
  | { type: 'distinctInstance' }
  | { type: 'memberOf', query: ClusterQuery }

const invalid = (message: string): AwsError => new AwsError('InvalidParameterException', message)

export const CONSTRAINT_FAILURES = {
  memberOf: 'MemberOf placement constraint unsatisfied.',
  distinctInstance: 'DistinctInstance placement constraint unsatisfied.'
}

/**
 * The request's constraints (with the task definition's `memberOf` ones) and strategies,
 * checked. (unconfirmed) every refusal text below.
 */
export function placementRules (constraints: PlacementConstraint[],
  strategies: PlacementStrategy[]): PlacementRules {
  if (constraints.length > 10) throw ecsErrors.tooMany('placementConstraints', 10)
  if (strategies.length > 5) throw ecsErrors.tooMany('placementStrategy', 5)
  return { constraints: constraints.map(rule), strategies: strategies.map(checkStrategy) }
}

function rule (c: PlacementConstraint): Rule {
  if (c.type === 'distinctInstance') {
    if (c.expression !== undefined && c.expression !== '') {
      throw invalid('DistinctInstance placement constraint does not accept an expression.')
    }
    return { type: 'distinctInstance' }
  }
  if (c.type === 'memberOf') {
    if (c.expression === undefined || c.expression.trim() === '') {
      throw invalid('MemberOf placement constraint must have an expression.')
    }
    return { type: 'memberOf', query: compileQuery(c.expression) }
  }
  throw invalid(`Invalid placement constraint type: ${String(c.type)}`)
}

function checkStrategy (s: PlacementStrategy): PlacementStrategy {
  const field = s.field ?? ''
  switch (s.type) {
    case 'random': return { type: 'random' }
    case 'binpack':
      if (!['cpu', 'memory'].includes(field.toLowerCase())) {
        throw invalid(`Invalid placement strategy field '${field}' for binpack. Valid values are cpu and memory.`)
      }
      return { type: 'binpack', field: field.toLowerCase() }
    case 'spread':
      if (field === '') throw invalid('Spread placement strategy requires a field.')
      return { type: 'spread', field }
    default:
      throw invalid(`Invalid placement strategy type: ${String(s.type)}`)
  }
}

// --- resources ----------------------------------------------------------------------------

const integer = (resources: Resource[], name: string): number =>
  resources.find(r => r.name === name)?.integerValue ?? 0

const portSet = (resources: Resource[], name: string): string[] =>
  resources.find(r => r.name === name)?.stringSetValue ?? []

/** The instance with the reservation taken from (sign 1) or given back to (sign -1) it. */
export function adjustResources (instance: ContainerInstanceRecord, r: TaskReservation,
  sign: 1 | -1): ContainerInstanceRecord {
  const remainingResources = instance.remainingResources.map(res => {
    switch (res.name) {
      case 'CPU': return { ...res, integerValue: (res.integerValue ?? 0) - sign * r.cpu }
      case 'MEMORY': return { ...res, integerValue: (res.integerValue ?? 0) - sign * r.memory }
      case 'PORTS': return { ...res, stringSetValue: movePorts(res.stringSetValue, r.ports, sign) }
      case 'PORTS_UDP':
        return { ...res, stringSetValue: movePorts(res.stringSetValue, r.portsUdp, sign) }
      default: return res
    }
  })
  return { ...instance, remainingResources, version: instance.version + 1 }
}

function movePorts (given: string[] | undefined, ports: number[], sign: 1 | -1): string[] {
  const current = given ?? []
  const named = ports.map(String)
  if (sign === 1) return [...current, ...named.filter(p => !current.includes(p))]
  return current.filter(p => !named.includes(p))
}

/** Why the instance cannot take the task now, or undefined when it can. */
function misfit (c: Candidate, d: Demand, rules: PlacementRules,
  placedHere: number): PlacementFailure | undefined {
  const i = c.instance
  const arn = i.containerInstanceArn
  if (!i.agentConnected) return { arn, reason: 'AGENT' }
  const missing = d.requiresAttributes.find(a => !hasAttribute(i, a))
  if (missing !== undefined) return { arn, reason: 'ATTRIBUTE', detail: missing.name }
  for (const r of rules.constraints) {
    if (r.type === 'memberOf' && !r.query(instanceSubjects(i, groupsOn(c)))) {
      return { arn, reason: CONSTRAINT_FAILURES.memberOf }
    }
    const sameGroup = c.tasks.filter(t => t.group === d.group).length + placedHere
    if (r.type === 'distinctInstance' && sameGroup > 0) {
      return { arn, reason: CONSTRAINT_FAILURES.distinctInstance }
    }
  }
  const left = i.remainingResources
  if (integer(left, 'CPU') < d.cpu) return { arn, reason: 'RESOURCE:CPU' }
  if (integer(left, 'MEMORY') < d.memory) return { arn, reason: 'RESOURCE:MEMORY' }
  const tcp = portSet(left, 'PORTS')
  if (d.ports.some(p => tcp.includes(String(p)))) return { arn, reason: 'RESOURCE:PORTS' }
  const udp = portSet(left, 'PORTS_UDP')
  if (d.portsUdp.some(p => udp.includes(String(p)))) return { arn, reason: 'RESOURCE:PORTS_UDP' }
  return undefined
}

const groupsOn = (c: Candidate): string[] => c.tasks.map(t => t.group)

/** A required attribute: the name, and the value when the definition names one. */
const hasAttribute = (i: ContainerInstanceRecord, a: Attribute): boolean =>
  i.attributes.some(x => x.name === a.name && (a.value === undefined || x.value === a.value))

// --- placing ------------------------------------------------------------------------------

/**
 * Places `count` tasks of the same demand on the candidates (ACTIVE instances of the
 * cluster), one at a time, booking each on its instance before the next is placed. When a
 * task fits nowhere, every instance's reason is a failure and no further task is placed.
 */
export function placeTasks (candidates: Candidate[], demand: Demand, count: number,
  rules: PlacementRules, random: () => number = Math.random): PlacementResult {
  const pool = candidates.map(c => ({ ...c, tasks: [...c.tasks], placedHere: 0 }))
  const placed: ContainerInstanceRecord[] = []
  const instances = new Map<string, ContainerInstanceRecord>()
  const failures: PlacementFailure[] = []
  for (let n = 0; n < count; n++) {
    const verdicts = pool.map(c => ({ c, failure: misfit(c, demand, rules, c.placedHere) }))
    const fitting = verdicts.filter(v => v.failure === undefined).map(v => v.c)
    if (fitting.length === 0) {
      failures.push(...verdicts.map(v => v.failure!))
      break
    }
    const chosen = order(fitting, rules.strategies, demand, random)[0]
    chosen.instance = book(chosen.instance, demand)
    chosen.tasks.push({ group: demand.group })
    chosen.placedHere++
    placed.push(chosen.instance)
    instances.set(chosen.instance.containerInstanceArn, chosen.instance)
  }
  return { placed, instances, failures }
}

/** The reservation booked on the instance, and one more pending task. */
export function book (instance: ContainerInstanceRecord,
  r: TaskReservation): ContainerInstanceRecord {
  const booked = adjustResources(instance, r, 1)
  return { ...booked, pendingTasksCount: booked.pendingTasksCount + 1 }
}

/**
 * The candidates in the order the strategies prefer: each strategy sorts within the ties of
 * the ones before it. Without a strategy, or for `random`, the order is random (the default
 * for RunTask), then by registration.
 */
function order<T extends Candidate> (fitting: T[], strategies: PlacementStrategy[],
  demand: Demand, random: () => number): T[] {
  const keyed = fitting.map((c, index) => ({ c, index, draw: random() }))
  const keys = strategies.map(s => strategyKey(s, fitting, demand))
  keyed.sort((a, b) => {
    for (let k = 0; k < keys.length; k++) {
      const s = strategies[k]
      if (s.type === 'random') return a.draw - b.draw
      const d = keys[k](a.c) - keys[k](b.c)
      if (d !== 0) return d
    }
    return strategies.length === 0 ? a.draw - b.draw : a.index - b.index
  })
  return keyed.map(k => k.c)
}

/** Lower is preferred. */
function strategyKey (s: PlacementStrategy, all: Candidate[],
  demand: Demand): (c: Candidate) => number {
  if (s.type === 'binpack') {
    const name = s.field === 'cpu' ? 'CPU' : 'MEMORY'
    return c => integer(c.instance.remainingResources, name)
  }
  if (s.type === 'spread') {
    const value = spreadValue(s.field ?? '')
    const inGroup = (c: Candidate): number => c.tasks.filter(t => t.group === demand.group).length
    const byValue = new Map<string, number>()
    for (const c of all) {
      const v = value(c.instance)
      byValue.set(v, (byValue.get(v) ?? 0) + inGroup(c))
    }
    return c => byValue.get(value(c.instance)) ?? 0
  }
  return () => 0
}

/** What `spread` groups instances by: each instance, or an attribute's value. */
function spreadValue (field: string): (i: ContainerInstanceRecord) => string {
  if (field === 'instanceId' || field === 'host') return i => i.containerInstanceArn
  const name = field.startsWith('attribute:') ? field.slice('attribute:'.length) : field
  return i => i.attributes.find(a => a.name === name)?.value ?? ''
}
