/**
 * Container instances: registration from what the agent sends (identity document, resources,
 * attributes), re-registration, the ACTIVE / DRAINING / INACTIVE states, custom attributes,
 * and the `ContainerInstance` shape. `agentConnected` stays false until an agent holds an ACS
 * session for the instance.
 */
import { AwsError } from '../../api/errors.js'
import { arns, newId, parseArn, type Scope } from './arns.js'
import { ecsErrors } from './errors.js'
import type { Resolve, SubjectValue } from './cluster-query.js'
import type { WireTag } from '../../store/tags.js'

export type ContainerInstanceStatus = 'REGISTERING' | 'REGISTRATION_FAILED' | 'ACTIVE' |
  'DRAINING' | 'DEREGISTERING' | 'INACTIVE'

export interface Resource {
  name?: string
  type?: string
  doubleValue?: number
  longValue?: number
  integerValue?: number
  stringSetValue?: string[]
}

export interface Attribute {
  name: string
  value?: string
  targetType?: 'container-instance'
  targetId?: string
}

export interface VersionInfo {
  agentVersion?: string
  agentHash?: string
  dockerVersion?: string
}

export interface PlatformDevice { id: string, type: 'GPU' }

export interface RegisterContainerInstanceRequest {
  cluster?: string
  instanceIdentityDocument?: string
  instanceIdentityDocumentSignature?: string
  totalResources?: Resource[]
  versionInfo?: VersionInfo
  containerInstanceArn?: string
  attributes?: Attribute[]
  platformDevices?: PlatformDevice[]
  tags?: WireTag[]
}

/** The EC2 instance identity document fields ECS reads. */
export interface IdentityDocument {
  instanceId?: string
  region?: string
  availabilityZone?: string
  instanceType?: string
  accountId?: string
  imageId?: string
  architecture?: string
  privateIp?: string
}

export interface ContainerInstanceRecord {
  account: string
  region: string
  cluster: string
  id: string
  containerInstanceArn: string
  ec2InstanceId?: string
  /** Goes up by one with every change ECS makes to the instance. */
  version: number
  versionInfo: VersionInfo
  registeredResources: Resource[]
  remainingResources: Resource[]
  status: ContainerInstanceStatus
  statusReason?: string
  /** True only while the agent holds its ACS (Poll) websocket. */
  agentConnected: boolean
  /** Maintained by placement and the tasks' state changes (`commitTask`). */
  runningTasksCount: number
  pendingTasksCount: number
  attributes: Attribute[]
  platformDevices: PlatformDevice[]
  registeredAt: number
}

type Instance = ContainerInstanceRecord

/** A registration as the API shows it. */
export type WireContainerInstance = Record<string, unknown>

export function parseIdentityDocument (text: string | undefined): IdentityDocument | undefined {
  if (text === undefined || text === '') return undefined
  try {
    const doc = JSON.parse(text) as unknown
    const isObject = doc !== null && typeof doc === 'object' && !Array.isArray(doc)
    if (isObject) return doc as IdentityDocument
  } catch {}
  throw ecsErrors.instanceIdentityDocument()
}

export function newContainerInstance (input: RegisterContainerInstanceRequest, scope: Scope,
  cluster: string, doc: IdentityDocument | undefined, now: Date): ContainerInstanceRecord {
  const id = newId()
  const resources = normalizeResources(input.totalResources)
  return {
    ...scope,
    cluster,
    id,
    containerInstanceArn: arns.containerInstance(scope, cluster, id),
    ec2InstanceId: doc?.instanceId,
    version: 1,
    versionInfo: input.versionInfo ?? {},
    registeredResources: resources,
    remainingResources: resources,
    status: 'ACTIVE',
    agentConnected: false,
    runningTasksCount: 0,
    pendingTasksCount: 0,
    attributes: withEcsAttributes(input.attributes ?? [], doc),
    platformDevices: input.platformDevices ?? [],
    registeredAt: now.getTime() / 1000
  }
}

/**
 * The agent registering again (after a restart, with the ARN it saved): the instance keeps its
 * ARN, registration time and custom attributes, and takes the new resources, versions and
 * agent attributes (unconfirmed: whether AWS keeps custom attributes that are not sent again).
 * A deregistered instance stays deregistered, as on AWS.
 */
export function reregister (current: Instance, input: RegisterContainerInstanceRequest,
  doc: IdentityDocument | undefined): Instance {
  if (current.status === 'INACTIVE') throw ecsErrors.reregisterInactive()
  const resources = normalizeResources(input.totalResources)
  return {
    ...current,
    ec2InstanceId: doc?.instanceId ?? current.ec2InstanceId,
    version: current.version + 1,
    versionInfo: input.versionInfo ?? current.versionInfo,
    registeredResources: resources,
    remainingResources: resources,
    status: current.status === 'DRAINING' ? 'DRAINING' : 'ACTIVE',
    attributes: withEcsAttributes(renewedAttributes(current.attributes, input.attributes ?? []), doc),
    platformDevices: input.platformDevices ?? current.platformDevices
  }
}

export function setStatus (instance: Instance, status: ContainerInstanceStatus): Instance {
  if (status !== 'ACTIVE' && status !== 'DRAINING') throw ecsErrors.instanceStatus()
  if (instance.status === status) return instance
  return { ...instance, status, version: instance.version + 1 }
}

// (unconfirmed) as AWS CLI users quote ECS's answer
const instanceHasTasks = (): AwsError =>
  new AwsError('InvalidParameterException', 'Found running tasks on the instance.')

/**
 * Deregistration is final. Without `force`, an instance with tasks (pending or running) is
 * refused; what becomes of its tasks with `force` is `deregisterContainerInstance`'s.
 */
export function deregister (instance: Instance, force: boolean): Instance {
  const busy = instance.runningTasksCount + instance.pendingTasksCount > 0
  if (busy && !force) throw instanceHasTasks()
  return { ...instance, status: 'INACTIVE', agentConnected: false, version: instance.version + 1 }
}

/** The id in `ID`, `container-instance/ID`, or an ARN of either the long or the short form. */
export function containerInstanceId (ref: string): string {
  const arn = parseArn(ref)
  const resource = arn === undefined ? ref : arn.resource
  return resource.split('/').pop()!
}

// --- attributes ---------------------------------------------------------------------------

/** Names ECS and the agent own; everything else is a custom attribute. */
const isBuiltIn = (name: string): boolean =>
  name.startsWith('ecs.') || name.startsWith('com.amazonaws.ecs.')
const CUSTOM_LIMIT = 10

/** The attributes ECS derives from the identity document. */
const DERIVED = new Set(['ecs.availability-zone', 'ecs.instance-type', 'ecs.ami-id', 'ecs.cpu-architecture'])

/**
 * ECS adds what it knows of the EC2 instance; where the caller sent the same name, ECS's value
 * wins (unconfirmed). The agent itself sends `ecs.os-type` and the capabilities.
 */
function withEcsAttributes (given: Attribute[], doc: IdentityDocument | undefined): Attribute[] {
  const known: [string, string | undefined][] = [
    ['ecs.availability-zone', doc?.availabilityZone],
    ['ecs.instance-type', doc?.instanceType],
    ['ecs.ami-id', doc?.imageId],
    ['ecs.cpu-architecture', doc?.architecture]
  ]
  const ecs = known.filter(([, value]) => value !== undefined).map(([name, value]) => ({ name, value }))
  const owned = new Set(ecs.map(a => a.name))
  return [...given.filter(a => !owned.has(a.name)).map(plainAttribute), ...ecs]
}

/**
 * What a re-registration starts from: the custom attributes the instance has, then what the
 * agent sent; and what ECS derived before, for an agent that sends no identity document.
 */
function renewedAttributes (current: Attribute[], given: Attribute[]): Attribute[] {
  const sent = new Set(given.map(a => a.name))
  const kept = current.filter(a => !sent.has(a.name) && (!isBuiltIn(a.name) || DERIVED.has(a.name)))
  return [...kept, ...given]
}

/** An attribute as the instance keeps it: no target members. */
const plainAttribute = (a: Attribute): Attribute =>
  a.value === undefined ? { name: a.name } : { name: a.name, value: a.value }

export function putAttributes (instance: Instance, attributes: Attribute[]): Instance {
  const byName = new Map(instance.attributes.map(a => [a.name, a]))
  for (const a of attributes) byName.set(a.name, plainAttribute(a))
  const merged = [...byName.values()]
  if (merged.filter(a => !isBuiltIn(a.name)).length > CUSTOM_LIMIT) throw ecsErrors.attributeLimit()
  return { ...instance, attributes: merged }
}

export function deleteAttributes (instance: Instance, names: string[]): Instance {
  return { ...instance, attributes: instance.attributes.filter(a => !names.includes(a.name)) }
}

// --- resources ----------------------------------------------------------------------------

/** As ECS reports resources: every numeric member present, 0 where not set. */
function normalizeResources (resources: Resource[] | undefined): Resource[] {
  return (resources ?? []).map(r => ({
    name: r.name,
    type: r.type,
    doubleValue: r.doubleValue ?? 0,
    longValue: r.longValue ?? 0,
    integerValue: r.integerValue ?? 0,
    stringSetValue: r.type === 'STRINGSET' ? r.stringSetValue ?? [] : r.stringSetValue
  }))
}

// --- the agent's connection ---------------------------------------------------------------

/**
 * The agent opening (true) or losing (false) its ACS session; on opening, the versions its
 * query named (`agentVersion`, `agentHash`, `dockerVersion`) replace those it registered with.
 * A change bumps `version`.
 */
export function agentConnection (instance: Instance, connected: boolean,
  versionInfo: VersionInfo = {}): Instance {
  const sent = Object.entries(versionInfo).filter(([, v]) => v !== undefined && v !== '')
  const versions: VersionInfo = { ...instance.versionInfo, ...Object.fromEntries(sent) }
  const unchanged = instance.agentConnected === connected &&
    JSON.stringify(versions) === JSON.stringify(instance.versionInfo)
  if (unchanged) return instance
  return { ...instance, agentConnected: connected, versionInfo: versions, version: instance.version + 1 }
}

// --- queries and output -------------------------------------------------------------------

/**
 * The subjects the cluster query language knows for a container instance; `taskGroups` are
 * the groups of the tasks on it that are not STOPPED (for `task:group`).
 */
export function instanceSubjects (instance: Instance, taskGroups: string[] = []): Resolve {
  return subject => {
    if (subject.startsWith('attribute:')) {
      const a = instance.attributes.find(x => x.name === subject.slice('attribute:'.length))
      return text(a === undefined ? undefined : a.value ?? '')
    }
    switch (subject) {
      case 'agentConnected': return text(String(instance.agentConnected))
      case 'agentVersion': return version(instance.versionInfo.agentVersion)
      case 'ec2InstanceId': return text(instance.ec2InstanceId)
      case 'registeredAt': return { kind: 'date', value: instance.registeredAt }
      case 'runningTasksCount': return { kind: 'number', value: instance.runningTasksCount }
      case 'task:group': return { kind: 'set', values: taskGroups }
      default: return undefined
    }
  }
}

const text = (v: string | undefined): SubjectValue | undefined =>
  v === undefined ? undefined : { kind: 'string', value: v }
const version = (v: string | undefined): SubjectValue | undefined =>
  v === undefined ? undefined : { kind: 'version', value: v }

export interface InstanceView {
  tags: WireTag[]
  /** DescribeContainerInstances `include`: TAGS, CONTAINER_INSTANCE_HEALTH. */
  include: ReadonlySet<string>
}

export function toWireContainerInstance (i: Instance, view: InstanceView): WireContainerInstance {
  return {
    containerInstanceArn: i.containerInstanceArn,
    ec2InstanceId: i.ec2InstanceId,
    version: i.version,
    versionInfo: i.versionInfo,
    remainingResources: i.remainingResources,
    registeredResources: i.registeredResources,
    status: i.status,
    statusReason: i.statusReason,
    agentConnected: i.agentConnected,
    runningTasksCount: i.runningTasksCount,
    pendingTasksCount: i.pendingTasksCount,
    attributes: i.attributes,
    registeredAt: i.registeredAt,
    attachments: [],
    tags: view.include.has('TAGS') ? view.tags : [],
    ...(view.include.has('CONTAINER_INSTANCE_HEALTH') ? { healthStatus: health(i) } : {})
  }
}

/** (unconfirmed) what ECS reports before the agent has sent any health data. */
function health (i: Instance): Record<string, unknown> {
  return { overallStatus: i.agentConnected ? 'OK' : 'INSUFFICIENT_DATA', details: [] }
}
