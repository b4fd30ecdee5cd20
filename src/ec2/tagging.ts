/**
 * EC2 tags: every resource keeps its own, and CreateTags/DeleteTags find the resource by the
 * prefix of its id. An id of a kind the emulator keeps that does not exist gets that kind's
 * NotFound error; an id of no known form is InvalidID.
 */
import { AwsError } from '../../api/errors.js'
import type { Scope } from '../ecs/arns.js'
import type { Ec2Store } from '../../store/ec2.js'
import { ec2Errors } from './errors.js'
import { visible } from './instance.js'
import type { Ec2Tag, NetworkResource, ResourceKind } from './network.js'
import type { Ec2ResourceType } from './authz.js'

interface KindInfo { kind: ResourceKind | 'instance', notFound: (id: string) => AwsError }

const PREFIXES: Record<string, KindInfo> = {
  vpc: { kind: 'vpc', notFound: id => ec2Errors.vpcNotFound([id]) },
  subnet: { kind: 'subnet', notFound: id => ec2Errors.subnetNotFound([id]) },
  sg: { kind: 'security-group', notFound: id => ec2Errors.groupNotFound(id) },
  i: { kind: 'instance', notFound: id => ec2Errors.instanceNotFound([id]) },
  eni: { kind: 'network-interface', notFound: id => ec2Errors.networkInterfaceNotFound([id]) },
  // (unconfirmed) the NotFound texts of these two follow the pattern of the others
  rtb: {
    kind: 'route-table',
    notFound: id => new AwsError('InvalidRouteTableID.NotFound', `The routeTable ID '${id}' does not exist`)
  },
  igw: {
    kind: 'internet-gateway',
    notFound: id => new AwsError('InvalidInternetGatewayID.NotFound', `The internetGateway ID '${id}' does not exist`)
  }
}

/** A taggable resource found by id: its tags, and how to store new ones. */
export interface Taggable {
  id: string
  type: Ec2ResourceType
  tags: Ec2Tag[]
  save (tags: Ec2Tag[]): void
}

export function taggable (store: Ec2Store, scope: Scope, id: string): Taggable {
  const prefix = /^([a-z]+)-[0-9a-f]+$/.exec(id)?.[1]
  const info = prefix === undefined ? undefined : PREFIXES[prefix]
  if (info === undefined) throw ec2Errors.invalidId(id)
  if (info.kind === 'instance') {
    const i = store.instance(scope, id)
    if (i === undefined) throw info.notFound(id)
    return { id, type: 'instance', tags: i.tags, save: tags => store.saveInstance({ ...i, tags }) }
  }
  const r = store.resource<NetworkResource>(scope, info.kind, id)
  if (r === undefined) throw info.notFound(id)
  return { id, type: info.kind, tags: r.tags, save: tags => store.saveResource({ ...r, tags }) }
}

export function withTags (tags: Ec2Tag[], added: Ec2Tag[]): Ec2Tag[] {
  const out = tags.filter(t => !added.some(a => a.key === t.key))
  return [...out, ...added]
}

/** DeleteTags: a tag named with a value goes only when the value matches; without, always. */
export function withoutTags (tags: Ec2Tag[], removed: { key: string, value?: string }[]): Ec2Tag[] {
  const gone = (t: Ec2Tag): boolean =>
    removed.some(r => r.key === t.key && (r.value === undefined || r.value === t.value))
  return tags.filter(t => !gone(t))
}

/** Every tag of the account and region, with the resource it is on (instances while listed). */
export interface TagRow { resourceId: string, resourceType: string, tag: Ec2Tag }

const TAGGED_KINDS = ['vpc', 'subnet', 'security-group', 'network-interface', 'route-table',
  'internet-gateway'] as const

export function allTags (store: Ec2Store, scope: Scope, now: Date): TagRow[] {
  const out: TagRow[] = []
  const add = (resourceId: string, resourceType: string, tags: Ec2Tag[]): void => {
    for (const tag of tags) out.push({ resourceId, resourceType, tag })
  }
  for (const i of store.instances(scope)) {
    if (visible(i, now)) add(i.instanceId, 'instance', i.tags)
  }
  for (const kind of TAGGED_KINDS) {
    for (const r of store.resources<NetworkResource>(scope, kind)) add(r.id, kind, r.tags)
  }
  return out
}

/** Tag keys starting `aws:` are AWS's own. */
export function checkTagKeys (tags: { key: string }[]): void {
  const reserved = tags.find(t => t.key.toLowerCase().startsWith('aws:'))
  if (reserved !== undefined) {
    throw ec2Errors.invalidParameterValue(`Value ( ${reserved.key} ) for parameter key is invalid. Tag keys starting with 'aws:' are reserved for internal use`)
  }
}
