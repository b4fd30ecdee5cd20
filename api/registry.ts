/**
 * What an AWS operation is to the server: a handler keyed by the AWS operation name, with the
 * IAM actions it is authorized as. Wire decoding, authentication, validation and encoding
 * happen around it in api/pipeline.ts; a handler never sees HTTP.
 */
import type { Logger } from '../src/log.js'
import type { Policy, Principal, RequestContext } from '../src/iam/policy.js'
import type { Emulator } from '../src/emulator.js'
import type { DecisionRecord } from '../store/decisions.js'
import type { Protocol } from './sigv4.js'
import { AwsError } from './errors.js'

/** One action on one resource, as AWS checks it; an operation may need several. */
export interface Check {
  action: string
  resource: string
  context?: RequestContext
  /** The task, service or container instance an internal step acts for. */
  onBehalfOf?: string
  /** The resource's own policies: a role's trust policy for sts:AssumeRole, a repository policy ... */
  resourcePolicies?: Policy[]
}

export interface OperationContext {
  readonly requestId: string
  readonly principal: Principal
  readonly account: string
  readonly region: string
  readonly now: Date
  readonly sourceIp: string
  /** The base URL the client called, e.g. `http://127.0.0.1:4566` (for endpoints an API hands out). */
  readonly endpoint: string
  readonly log: Logger
  readonly emulator: Emulator
  /** The key the request was signed with: what a token handed out is bound to (ECR's). */
  readonly credentials?: { readonly accessKeyId: string, readonly sessionToken?: string }
  /** Evaluates each check (recording the decision) and throws AWS's AccessDenied on the first denial. */
  authorize (checks: Check | Check[]): void
}

export interface Operation<I = any, O = any> {
  /**
   * The checks to run before `handle`. Leave it out for the usual single check of
   * `prefix:OperationName` on `*`; set it to 'handler' when the resource is only known after
   * a lookup, and call `ctx.authorize` from `handle` (the pipeline verifies that it did).
   */
  authorize?: ((input: I, ctx: OperationContext) => Check[]) | 'handler'
  /** Partial support, published in the README's coverage table. */
  notes?: string
  handle (input: I, ctx: OperationContext): O | Promise<O>
}

/**
 * The wire protocols: JSON 1.1, the query protocol, and EC2's variant of it (its own parameter
 * names, `<requestId>` in the answer and `<Response><Errors>` for errors). Signatures are the
 * query protocol's for EC2 too. `rest-json` is restJson1 (EFS): routed by method and URI
 * (api/rest-json.ts), signed and failing authentication as JSON services do.
 */
export type WireProtocol = Protocol | 'ec2' | 'rest-json'

export interface Service {
  /** Key used in routing and in `GET /_emulator/health`. */
  name: string
  /** File under api/models/. */
  model: string
  protocol: WireProtocol
  signingName: string
  /** IAM action prefix: `ecs`, `iam`, `sts`, `elasticloadbalancing` ... */
  actionPrefix: string
  targetPrefix?: string
  version?: string
  xmlNamespace?: string
  /** IAM and STS are global: their scope region is us-east-1 whatever the client's region. */
  global?: boolean
  operations: Record<string, Operation>
  /** How the service words a missing required member or a broken constraint. */
  invalidInput (failures: string[]): AwsError
  /** Whether model patterns are enforced on input (query services do; ECS does not). */
  checkPatterns: boolean
  /** How the service words an access denial, when not as the decision's message (EC2). */
  denialMessage? (decision: DecisionRecord): string
}

/** Identity helper that keeps each operation's input and output types checked. */
export const operation = <I, O>(op: Operation<I, O>): Operation<I, O> => op

export const ACCESS_DENIED: Record<WireProtocol, [string, number]> = {
  json: ['AccessDeniedException', 400],
  query: ['AccessDenied', 403],
  ec2: ['UnauthorizedOperation', 403],
  // EFS answers a denial with HTTP 403.
  'rest-json': ['AccessDeniedException', 403]
}
