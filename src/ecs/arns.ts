/**
 * ECS ARNs in the long format (the default for every account) and the ids inside them.
 */
import { randomBytes } from 'node:crypto'

export interface Scope { account: string, region: string }

const base = (s: Scope): string => `arn:aws:ecs:${s.region}:${s.account}`

export const arns = {
  cluster: (s: Scope, name: string) => `${base(s)}:cluster/${name}`,
  taskDefinition: (s: Scope, family: string, revision: number) => `${base(s)}:task-definition/${family}:${revision}`,
  containerInstance: (s: Scope, cluster: string, id: string) => `${base(s)}:container-instance/${cluster}/${id}`,
  task: (s: Scope, cluster: string, id: string) => `${base(s)}:task/${cluster}/${id}`,
  service: (s: Scope, cluster: string, name: string) => `${base(s)}:service/${cluster}/${name}`,
  capacityProvider: (s: Scope, name: string) => `${base(s)}:capacity-provider/${name}`
}

/** 32 lowercase hex characters, as task and container-instance ids are. */
export const newId = (): string => randomBytes(16).toString('hex')

export interface ParsedArn {
  partition: string
  service: string
  region: string
  account: string
  /** Everything after the fifth colon, e.g. `cluster/prod` or `task-definition/web:3`. */
  resource: string
}

export function parseArn (arn: string): ParsedArn | undefined {
  const parts = arn.split(':')
  if (parts.length < 6 || parts[0] !== 'arn') return undefined
  return { partition: parts[1], service: parts[2], region: parts[3], account: parts[4], resource: parts.slice(5).join(':') }
}

/** The cluster name from a name or a cluster ARN (`arn:aws:ecs:...:cluster/NAME`). */
export function clusterName (ref: string | undefined): string {
  if (ref === undefined || ref === '') return 'default'
  const arn = parseArn(ref)
  if (arn === undefined) return ref
  return arn.resource.startsWith('cluster/') ? arn.resource.slice('cluster/'.length) : ref
}
