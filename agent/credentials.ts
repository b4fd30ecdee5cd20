/**
 * The instance role's credentials, from IMDS (`iam/security-credentials/ROLE`), as one
 * provider every signed call of the agent uses: the SDK clients, the ACS and TCS upgrades
 * and TCS frames, and the task engine for tasks without an execution role. Credentials are
 * read again about five minutes before they expire.
 */
import type { AwsCredentials } from './engine.js'
import { ImdsError, type ImdsClient } from './imds.js'
import type { Logger } from './log.js'

const REFRESH_BEFORE_MS = 5 * 60_000

export type CredentialsProvider = () => Promise<AwsCredentials>

export class InstanceCredentials {
  #current: AwsCredentials | undefined
  #issuedAt = 0
  #role: string | undefined
  #pending: Promise<AwsCredentials> | undefined

  constructor (readonly imds: ImdsClient, readonly log: Logger) {}

  /** The provider: current credentials, refreshed when they are about to expire. */
  readonly provide: CredentialsProvider = async () => {
    if (this.#current !== undefined && !this.dueForRefresh(this.#current)) return this.#current
    this.#pending ??= this.refresh().finally(() => { this.#pending = undefined })
    return this.#pending
  }

  /** The role the instance profile names (known after the first read). */
  get role (): string | undefined { return this.#role }

  private dueForRefresh (creds: AwsCredentials): boolean {
    if (creds.expiration === undefined) return false
    const left = creds.expiration.getTime() - Date.now()
    const lifetime = creds.expiration.getTime() - this.#issuedAt
    return left < Math.min(REFRESH_BEFORE_MS, lifetime / 2)
  }

  private async refresh (): Promise<AwsCredentials> {
    try {
      const creds = await this.read()
      this.#current = creds
      this.#issuedAt = Date.now()
      this.log.debug({ role: this.#role, expiration: creds.expiration }, 'instance role credentials read')
      return creds
    } catch (e) {
      const stale = this.#current
      if (stale?.expiration !== undefined && stale.expiration.getTime() > Date.now()) {
        this.log.warn({ err: (e as Error).message }, 'could not refresh the instance role credentials; using the current ones until they expire')
        return stale
      }
      throw e
    }
  }

  private async read (): Promise<AwsCredentials> {
    this.#role ??= await this.imds.roleName()
    let found
    try {
      found = await this.imds.roleCredentials(this.#role)
    } catch (e) {
      if (!(e instanceof ImdsError) || e.status !== 404) throw e
      this.#role = await this.imds.roleName() // the profile's role changed
      found = await this.imds.roleCredentials(this.#role)
    }
    return {
      accessKeyId: found.AccessKeyId,
      secretAccessKey: found.SecretAccessKey,
      sessionToken: found.Token,
      expiration: new Date(found.Expiration)
    }
  }
}
