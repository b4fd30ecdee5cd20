/**
 * Who is calling: an access key (and session token) becomes a principal and the secret its
 * signature is checked with. `test`/`test` is the account's root user.
 */
import type { Config } from '../config.js'
import type { IamDirectory } from './directory.js'
import type { Principal } from './policy.js'
import type { SessionRecord, StsSessions } from '../../store/sts.js'

export const ROOT_ACCESS_KEY = 'test'
export const ROOT_SECRET = 'test'

export interface Caller {
  principal: Principal
  secret: string
  session?: SessionRecord
}

export type Resolution =
  | { ok: true, caller: Caller }
  | { ok: false, reason: 'unknown-key' | 'bad-token' | 'expired' | 'inactive' }

export const rootPrincipal = (account: string): Principal => ({
  type: 'root', arn: `arn:aws:iam::${account}:root`, account, userId: account
})

export function sessionPrincipal (s: SessionRecord, iam: IamDirectory): Principal {
  if (s.kind === 'assumed-role') {
    return {
      type: 'assumed-role',
      arn: `arn:aws:sts::${s.account}:assumed-role/${s.roleName}/${s.roleSessionName}`,
      account: s.account,
      roleArn: s.roleArn,
      userId: `${s.roleId}:${s.roleSessionName}`
    }
  }
  if (s.userName === undefined) return rootPrincipal(s.account)
  const user = iam.user(s.account, s.userName)
  return { type: 'user', arn: user?.arn ?? `arn:aws:iam::${s.account}:user/${s.userName}`,
    account: s.account, userName: s.userName, userId: user?.userId ?? s.userName }
}

export class Identity {
  constructor (
    private readonly config: Config,
    private readonly iam: IamDirectory,
    private readonly sessions: StsSessions
  ) {}

  resolve (accessKeyId: string, sessionToken: string | undefined, now: Date): Resolution {
    if (accessKeyId === ROOT_ACCESS_KEY) {
      if (sessionToken !== undefined) return { ok: false, reason: 'bad-token' }
      return { ok: true, caller: { principal: rootPrincipal(this.config.accountId), secret: ROOT_SECRET } }
    }
    const session = this.sessions.get(accessKeyId)
    if (session !== undefined) return this.#fromSession(session, sessionToken, now)
    const key = this.iam.accessKey(accessKeyId)
    if (key === undefined) return { ok: false, reason: 'unknown-key' }
    if (sessionToken !== undefined) return { ok: false, reason: 'bad-token' }
    if (key.status !== 'Active') return { ok: false, reason: 'inactive' }
    const user = this.iam.user(key.account, key.userName)
    if (user === undefined) return { ok: false, reason: 'unknown-key' }
    return {
      ok: true,
      caller: {
        principal: { type: 'user', arn: user.arn, account: user.account, userName: user.userName, userId: user.userId },
        secret: key.secretAccessKey
      }
    }
  }

  /** `--auth open`: a key nobody issued acts as the account's root. */
  openCaller (): Caller {
    return { principal: rootPrincipal(this.config.accountId), secret: ROOT_SECRET }
  }

  #fromSession (s: SessionRecord, token: string | undefined, now: Date): Resolution {
    if (token !== s.sessionToken) return { ok: false, reason: 'bad-token' }
    if (now.getTime() / 1000 >= s.expiration) return { ok: false, reason: 'expired' }
    return { ok: true, caller: { principal: sessionPrincipal(s, this.iam), secret: s.secretAccessKey, session: s } }
  }
}
