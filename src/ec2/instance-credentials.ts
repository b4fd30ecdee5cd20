/**
 * The credentials an instance's metadata service hands out: its instance profile's role,
 * assumed as ec2.amazonaws.com with the instance id as the session name (so the agent calls
 * as `assumed-role/ROLE/i-…`). One session is kept per instance and replaced well before it
 * expires: AWS makes new credentials available at least five minutes before the old ones
 * expire; the emulator does so fifteen minutes before, so an SDK refreshing at five never
 * meets the boundary.
 */
import { randomUUID } from 'node:crypto'
import type { Emulator } from '../emulator.js'
import type { SessionRecord } from '../../store/sts.js'
import { iamArn } from '../iam/entities.js'
import { assumeRoleAsService } from '../sts/sessions.js'
import { instanceArn, type InstanceRecord } from './instance.js'

export type RoleCredentials =
  /** The profile holds no role (or is gone). */
  | { kind: 'none', at: Date }
  /** The role's trust policy does not let EC2 assume it (or the role is gone). */
  | { kind: 'denied', roleName: string, at: Date, decisionId: string }
  | { kind: 'ok', roleName: string, session: SessionRecord, issued: Date }

const RENEW_BEFORE_MS = 15 * 60 * 1000
/** A denial is asked again this soon, so a fixed trust policy is picked up quickly. */
const RETRY_DENIED_MS = 10 * 1000

interface Cached { roleArn: string, value: RoleCredentials, until: number }

export class InstanceCredentials {
  readonly #cache = new Map<string, Cached>()

  constructor (private readonly emulator: Emulator) {}

  /** The credentials of the instance's role now: cached, renewed, or assumed afresh. */
  for (instance: InstanceRecord, now: Date): RoleCredentials {
    const role = this.#roleOf(instance)
    if (role === undefined) return { kind: 'none', at: now }
    const cached = this.#cache.get(instance.instanceId)
    if (cached !== undefined && cached.roleArn === role.arn && now.getTime() < cached.until &&
      this.#stillValid(cached.value)) {
      return cached.value
    }

    const value = this.#assume(instance, role, now)
    const until = value.kind === 'ok'
      ? value.session.expiration * 1000 - RENEW_BEFORE_MS
      : now.getTime() + RETRY_DENIED_MS
    this.#cache.set(instance.instanceId, { roleArn: role.arn, value, until })
    return value
  }

  forget (instanceId: string): void {
    this.#cache.delete(instanceId)
  }

  #roleOf (instance: InstanceRecord): { name: string, arn: string } | undefined {
    const ref = instance.iamInstanceProfile
    if (ref === undefined) return undefined
    const iam = this.emulator.iam
    const profile = iam.instanceProfile(instance.account, ref.name)
    // A profile deleted (and perhaps made again) is no longer the instance's association.
    if (profile === undefined || profile.instanceProfileId !== ref.id) return undefined
    const name = profile.roles[0]
    if (name === undefined) return undefined
    const arn = iam.role(instance.account, name)?.arn ?? iamArn(instance.account, 'role', '/', name)
    return { name, arn }
  }

  /** A session the store no longer has (pruned, or wiped by a reset) signs nothing. */
  #stillValid (value: RoleCredentials): boolean {
    return value.kind !== 'ok' || this.emulator.sessions.get(value.session.accessKeyId) !== undefined
  }

  #assume (instance: InstanceRecord, role: { name: string, arn: string }, now: Date): RoleCredentials {
    const r = assumeRoleAsService(this.emulator, {
      roleArn: role.arn,
      service: 'ec2.amazonaws.com',
      sessionName: instance.instanceId,
      onBehalfOf: instanceArn(instance),
      requestId: randomUUID(),
      region: instance.region,
      now
    })
    return r.ok
      ? { kind: 'ok', roleName: role.name, session: r.session, issued: now }
      : { kind: 'denied', roleName: role.name, at: now, decisionId: r.decisionId }
  }
}
