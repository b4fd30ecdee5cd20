/**
 * The instance metadata service client (IMDSv2), as the ECS agent uses it on EC2: a session
 * token first, then the identity document and its signature, the instance id, and the
 * instance profile role's credentials under `iam/security-credentials/`.
 */

const TOKEN_TTL_SECONDS = 21_600
const TIMEOUT_MS = 5_000

export class ImdsError extends Error {
  readonly code = 'ECS_EMULATOR_AGENT_IMDS'

  constructor (readonly path: string, readonly status: number | undefined, message: string) {
    super(message)
    this.name = 'ImdsError'
  }
}

/** The identity document fields the agent reads. */
export interface IdentityDocument {
  instanceId: string
  region: string
  availabilityZone?: string
  accountId?: string
  instanceType?: string
  imageId?: string
  architecture?: string
  privateIp?: string
}

/** The JSON IMDS serves at `iam/security-credentials/ROLE`. */
export interface ImdsCredentials {
  Code: string
  AccessKeyId: string
  SecretAccessKey: string
  Token: string
  Expiration: string
  LastUpdated?: string
  Type?: string
}

export class ImdsClient {
  #token: { value: string, expiresAt: number } | undefined
  #endpoint: string

  /**
   * `relocate` finds the service again when it stops answering: the emulated instance's
   * metadata service lives in the control plane, which may have been restarted on new ports.
   */
  constructor (endpoint: string, readonly relocate?: () => Promise<string>) {
    this.#endpoint = endpoint
  }

  get endpoint (): string { return this.#endpoint }

  async identityDocument (): Promise<{ text: string, doc: IdentityDocument }> {
    const text = await this.get('/latest/dynamic/instance-identity/document')
    let doc: IdentityDocument
    try {
      doc = JSON.parse(text) as IdentityDocument
    } catch {
      throw new ImdsError('/latest/dynamic/instance-identity/document', 200, 'the instance identity document is not JSON')
    }
    return { text, doc }
  }

  signature (): Promise<string> {
    return this.get('/latest/dynamic/instance-identity/signature')
  }

  async instanceId (): Promise<string> {
    return (await this.get('/latest/meta-data/instance-id')).trim()
  }

  /** The instance profile's role name; an ImdsError with status 404 when there is none. */
  async roleName (): Promise<string> {
    const list = await this.get('/latest/meta-data/iam/security-credentials/')
    const name = list.split('\n').map(l => l.trim()).find(l => l !== '')
    if (name === undefined) {
      throw new ImdsError('/latest/meta-data/iam/security-credentials/', 404,
        'the instance has no IAM role: iam/security-credentials/ lists none (an instance profile without a role, or none at all)')
    }
    return name
  }

  async roleCredentials (role: string): Promise<ImdsCredentials> {
    const path = `/latest/meta-data/iam/security-credentials/${encodeURIComponent(role)}`
    const creds = JSON.parse(await this.get(path)) as ImdsCredentials & { Message?: string }
    if (creds.Code !== 'Success') {
      throw new ImdsError(path, 200, `no credentials for role ${role}: ${creds.Code}${creds.Message === undefined ? '' : `: ${creds.Message}`}`)
    }
    return creds
  }

  async get (path: string): Promise<string> {
    const response = await this.request('GET', path, { 'x-aws-ec2-metadata-token': await this.token() })
    if (response.status === 401) {
      this.#token = undefined // expired or revoked: one new token, one more try
      const again = await this.request('GET', path, { 'x-aws-ec2-metadata-token': await this.token() })
      return this.body(path, again)
    }
    return this.body(path, response)
  }

  private async token (): Promise<string> {
    if (this.#token !== undefined && this.#token.expiresAt > Date.now() + 60_000) return this.#token.value
    const path = '/latest/api/token'
    const response = await this.request('PUT', path, { 'x-aws-ec2-metadata-token-ttl-seconds': String(TOKEN_TTL_SECONDS) })
    const value = await this.body(path, response)
    this.#token = { value, expiresAt: Date.now() + TOKEN_TTL_SECONDS * 1000 }
    return value
  }

  private async request (method: string, path: string, headers: Record<string, string>,
    again = true): Promise<Response> {
    try {
      return await fetch(`${this.#endpoint}${path}`, { method, headers, signal: AbortSignal.timeout(TIMEOUT_MS) })
    } catch (e) {
      if (again && this.relocate !== undefined) {
        const moved = await this.relocate().catch(() => undefined)
        if (moved !== undefined && moved !== this.#endpoint) {
          this.#endpoint = moved
          if (path === '/latest/api/token') return await this.request(method, path, headers, false)
          this.#token = undefined // the token was the old service's
          return await this.request(method, path, { ...headers, 'x-aws-ec2-metadata-token': await this.token() }, false)
        }
      }
      const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message
      throw new ImdsError(path, undefined, `the instance metadata service at ${this.endpoint} is not reachable (${cause})`)
    }
  }

  private async body (path: string, response: Response): Promise<string> {
    const text = await response.text()
    if (response.ok) return text
    const missingRole = response.status === 404 && path.startsWith('/latest/meta-data/iam/')
    throw new ImdsError(path, response.status, missingRole
      ? `the instance has no IAM role: ${path} answered 404 (launched without an instance profile?)`
      : `${path} answered ${response.status}`)
  }
}
