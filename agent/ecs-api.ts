/**
 * The agent's ECS API calls, through the SDK v3 client signed with the instance role:
 * RegisterContainerInstance, CreateCluster, DiscoverPollEndpoint (its answer kept 12 hours,
 * as the ECS agent caches it) and SubmitTaskStateChange; and SubmitAttachmentStateChanges as a
 * signed JSON body of its own, since it carries a member the SDK would drop (the task's
 * address). Errors keep AWS's code and message so the log can name the denied call.
 */
import {
  CreateClusterCommand, DiscoverPollEndpointCommand, ECSClient, RegisterContainerInstanceCommand,
  SubmitTaskStateChangeCommand, type ContainerInstance, type RegisterContainerInstanceCommandInput,
  type SubmitTaskStateChangeCommandInput
} from '@aws-sdk/client-ecs'
import { Hash } from '@smithy/hash-node'
import { HttpRequest } from '@smithy/protocol-http'
import { SignatureV4 } from '@smithy/signature-v4'
import type { CredentialsProvider } from './credentials.js'
import type { AttachmentStateChange } from './engine.js'

const POLL_ENDPOINT_TTL_MS = 12 * 3_600_000
const TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113'

class Sha256 extends Hash {
  constructor (secret?: Parameters<typeof Hash.prototype.update>[0]) {
    super('sha256', secret as never)
  }
}

export interface PollEndpoints {
  endpoint: string
  telemetryEndpoint?: string
}

/** An AWS error as the agent logs it: the IAM action of the call, AWS's code and message. */
export interface CallError {
  call: string
  code: string
  message: string
  status?: number
}

export function callError (call: string, e: unknown): CallError {
  const err = e as { name?: string, message?: string, $metadata?: { httpStatusCode?: number }, code?: string }
  const status = err.$metadata?.httpStatusCode
  const generic = err.name === undefined || err.name === 'Error' || err.name === 'TypeError'
  // A request that never reached the service: its system error (ECONNREFUSED, ...) is the code.
  const network = err.code ?? (err as { cause?: { code?: string } }).cause?.code
  const code = status === undefined && generic && network !== undefined ? network : err.name ?? 'Error'
  return { call, code, message: err.message ?? String(e), status }
}

/** `ecs:RegisterContainerInstance: AccessDeniedException: User: ... is not authorized ...` */
export const describeCallError = (e: CallError): string => `${e.call}: ${e.code}: ${e.message}`

export class EcsApi {
  readonly client: ECSClient
  readonly #endpoint: URL
  readonly #signer: SignatureV4
  #pollEndpoints: { at: number, value: PollEndpoints, instance: string } | undefined

  constructor (endpoint: string, region: string, credentials: CredentialsProvider) {
    this.client = new ECSClient({ endpoint, region, credentials, maxAttempts: 3 })
    this.#endpoint = new URL(endpoint)
    this.#signer = new SignatureV4({ service: 'ecs', region, credentials, sha256: Sha256 })
  }

  async registerContainerInstance (input: RegisterContainerInstanceCommandInput): Promise<ContainerInstance> {
    const out = await this.client.send(new RegisterContainerInstanceCommand(input))
    if (out.containerInstance?.containerInstanceArn === undefined) {
      throw Object.assign(new Error('RegisterContainerInstance answered without a containerInstance'), { name: 'ServerException' })
    }
    return out.containerInstance
  }

  async createCluster (clusterName: string): Promise<void> {
    await this.client.send(new CreateClusterCommand({ clusterName }))
  }

  /** The ACS and TCS endpoints for the instance, from the cache while it is fresh. */
  async discoverPollEndpoint (cluster: string, containerInstance: string): Promise<PollEndpoints> {
    const cached = this.#pollEndpoints
    const fresh = cached !== undefined && cached.instance === containerInstance &&
      Date.now() - cached.at < POLL_ENDPOINT_TTL_MS
    if (fresh) return cached.value
    try {
      const out = await this.client.send(new DiscoverPollEndpointCommand({ cluster, containerInstance }))
      if (out.endpoint === undefined) throw Object.assign(new Error('no endpoint returned; nil'), { name: 'ServerException' })
      const value = { endpoint: out.endpoint, telemetryEndpoint: out.telemetryEndpoint }
      this.#pollEndpoints = { at: Date.now(), value, instance: containerInstance }
      return value
    } catch (e) {
      // an expired answer beats none
      if (cached !== undefined && cached.instance === containerInstance) return cached.value
      throw e
    }
  }

  async submitTaskStateChange (input: SubmitTaskStateChangeCommandInput): Promise<void> {
    await this.client.send(new SubmitTaskStateChangeCommand(input))
  }

  /**
   * SubmitAttachmentStateChanges with each attachment's `privateIPv4Address` (not in ECS's
   * model, so the SDK would drop it): the control plane makes it the ENI's address.
   */
  async submitAttachmentStateChanges (cluster: string,
    attachments: AttachmentStateChange[]): Promise<void> {
    await this.#call('SubmitAttachmentStateChanges', { cluster, attachments })
  }

  /** A JSON 1.1 call, signed as the SDK signs it; AWS's error as the SDK would throw it. */
  async #call (operation: string, input: object): Promise<unknown> {
    const url = this.#endpoint
    const body = JSON.stringify(input)
    const signed = await this.#signer.sign(new HttpRequest({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port === '' ? undefined : Number(url.port),
      path: url.pathname === '' ? '/' : url.pathname,
      headers: {
        host: url.host,
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `${TARGET_PREFIX}.${operation}`
      },
      body
    }))
    const res = await fetch(url, { method: 'POST', headers: signed.headers, body })
    const text = await res.text()
    const json = text === '' ? {} : JSON.parse(text) as Record<string, unknown>
    if (res.ok) return json
    const type = String(json.__type ?? 'UnknownError').split('#').pop()!
    const message = String(json.message ?? json.Message ?? res.statusText)
    const $metadata = { httpStatusCode: res.status }
    throw Object.assign(new Error(message), { name: type, $metadata })
  }

  close (): void {
    this.client.destroy()
  }
}
