/**
 * One AWS request, as a list of steps: route, authenticate, decode, validate, authorize,
 * invoke, encode. Every failure on the way is an AwsError shaped for the protocol; anything
 * else is a fault, logged with its stack at debug and answered as InternalFailure.
 */
import { randomUUID } from 'node:crypto'
import type { Emulator } from '../src/emulator.js'
import { F, type Logger } from '../src/log.js'
import type { Caller } from '../src/iam/identity.js'
import { AwsError, isAwsError } from './errors.js'
import { checkJsonTypes, constraintFailures, loadModel, readQueryInput, writeXml, escapeXml, type ServiceModel } from './models.js'
import { ACCESS_DENIED, type Check, type Operation, type OperationContext, type Service, type WireProtocol } from './registry.js'
import { MESSAGES, authError, checkScopeAndClock, readSignature, verifySignature, type Protocol, type SignatureInfo, type SignedRequest } from './sigv4.js'
import { RestRouter, readRestInput, restJsonError, restJsonResponse, type RestRoute } from './rest-json.js'

export interface AwsHttpRequest extends SignedRequest {
  sourceIp: string
}

export interface AwsHttpResponse {
  status: number
  headers: Record<string, string>
  body: string
}

export interface Recorded extends AwsHttpResponse {
  service: string
  operation: string
}

interface Routed {
  service: Service
  operation: string
  /** Query parameters (query protocol), or undefined for JSON. */
  params?: Record<string, string>
  /** The URI match (restJson1). */
  rest?: RestRoute
  /** The caller's ARN, once authenticated: on every log line about the request. */
  principal?: string
}

export class Pipeline {
  readonly #byTarget = new Map<string, Service>()
  readonly #byVersion = new Map<string, Service>()
  readonly #bySigningName = new Map<string, Service>()
  readonly #rest: [Service, RestRouter][] = []

  constructor (private readonly emulator: Emulator, private readonly services: readonly Service[],
    private readonly onResponse?: (r: Recorded) => void) {
    for (const s of services) {
      const model = loadModel(s.model)
      for (const name of Object.keys(s.operations)) {
        if (model.operations[name] === undefined) throw new Error(`${s.name}: ${name} is not an operation of the model`)
      }
      if (s.targetPrefix !== undefined) this.#byTarget.set(s.targetPrefix, s)
      if (s.version !== undefined) this.#byVersion.set(s.version, s)
      this.#bySigningName.set(s.signingName, s)
      if (s.protocol === 'rest-json') this.#rest.push([s, new RestRouter(model)])
    }
  }

  async handle (req: AwsHttpRequest): Promise<AwsHttpResponse> {
    const requestId = randomUUID()
    const now = new Date()
    let routed: Routed | undefined
    try {
      routed = this.#route(req)
      const res = await this.#run(routed, req, requestId, now)
      this.emulator.log.debug({ [F.requestId]: requestId, [F.service]: routed.service.name,
        [F.operation]: routed.operation, [F.principal]: routed.principal, status: res.status }, 'request')
      this.onResponse?.({ ...res, service: routed.service.name, operation: routed.operation })
      return res
    } catch (e) {
      const protocol = routed?.service.protocol ?? guessProtocol(req)
      const error = inEc2Words(this.#asAwsError(e, routed, requestId), protocol)
      const res = errorResponse(error, protocol, requestId, routed?.service.xmlNamespace,
        routed === undefined ? undefined : messageKey(loadModel(routed.service.model), error.code))
      if (routed !== undefined) {
        this.onResponse?.({ ...res, service: routed.service.name, operation: routed.operation })
      }
      return res
    }
  }

  async #run (routed: Routed, req: AwsHttpRequest, requestId: string, now: Date): Promise<AwsHttpResponse> {
    const { service, operation: name } = routed
    const model = loadModel(service.model)

    // authenticate
    const sig = readSignature(req, signatureProtocol(service))
    const caller = await this.#authenticate(req, sig, service, now)
    routed.principal = caller.principal.arn
    const op = service.operations[name]
    if (op === undefined) throw this.#notImplemented(service, name, requestId, routed.principal)
    const region = service.global === true ? 'us-east-1' : (sig?.region ?? this.emulator.config.region)

    // decode and validate
    const opModel = model.operations[name]
    const input = routed.rest !== undefined
      ? readRestInput(model, opModel.input?.shape, routed.rest, req.headers, req.body)
      : routed.params === undefined
      ? decodeJson(req.body, model, opModel.input?.shape)
      : readQueryInput(model, opModel.input?.shape, routed.params)
    const failures = constraintFailures(model, opModel.input?.shape, input, service.checkPatterns)
    if (failures.length > 0) throw service.invalidInput(failures)

    // authorize and invoke
    const endpoint = `http://${header(req, 'host') ?? `${this.emulator.config.host}:${this.emulator.config.port}`}`
    const credentials = sig === undefined ? undefined : { accessKeyId: sig.accessKeyId, sessionToken: sig.sessionToken }
    const ctx = this.#context(caller, service, name, region, requestId, now, req.sourceIp, endpoint, credentials)
    const output = await invoke(op, input, ctx, `${service.actionPrefix}:${name}`)

    // encode
    if (routed.rest !== undefined) return restJsonResponse(model, name, output, requestId)
    if (routed.params === undefined) return jsonResponse(output, requestId)
    return service.protocol === 'ec2'
      ? ec2Response(service, name, output ?? {}, requestId)
      : xmlResponse(service, name, output ?? {}, requestId)
  }

  #route (req: AwsHttpRequest): Routed {
    const rest = this.#restRoute(req)
    if (rest !== undefined) return rest
    const target = header(req, 'x-amz-target')
    if (target !== undefined) {
      const dot = target.lastIndexOf('.')
      const service = this.#byTarget.get(target.slice(0, dot))
      if (service === undefined) throw new AwsError('UnknownOperationException', '')
      return { service, operation: target.slice(dot + 1) }
    }
    const params = queryParams(req)
    if (params !== undefined && params.Action !== undefined) {
      const service = this.#byVersion.get(params.Version ?? '') ?? this.#byScope(req)
      if (service === undefined || service.protocol === 'json') {
        throw new AwsError('InvalidAction', `Could not find operation ${params.Action} for version ${params.Version ?? 'NO_VERSION_SPECIFIED'}`)
      }
      return { service, operation: params.Action, params }
    }
    const service = this.#byScope(req)
    if (service !== undefined && service.protocol !== 'json') throw new AwsError('MissingAction', 'Missing Action')
    throw new AwsError('UnknownOperationException', '')
  }

  /**
   * restJson1 services are found by method and path (any path but `/`); a path signed for
   * one that names none of its operations is UnknownOperationException.
   */
  #restRoute (req: AwsHttpRequest): Routed | undefined {
    if (this.#rest.length === 0 || req.url === '/' || req.url.startsWith('/?')) return undefined
    for (const [service, router] of this.#rest) {
      const rest = router.match(req.method, req.url)
      if (rest !== undefined) return { service, operation: rest.operation, rest }
    }
    if (this.#byScope(req)?.protocol === 'rest-json') throw new AwsError('UnknownOperationException', '', 404)
    return undefined
  }

  #byScope (req: AwsHttpRequest): Service | undefined {
    const m = /Credential=[^/]*\/\d{8}\/[^/]*\/([^/]+)\//.exec(header(req, 'authorization') ?? '')
    return m === null ? undefined : this.#bySigningName.get(m[1])
  }

  async #authenticate (req: AwsHttpRequest, sig: SignatureInfo | undefined, service: Service,
    now: Date): Promise<Caller> {
    const { identity, config } = this.emulator
    const protocol = signatureProtocol(service)
    if (config.auth === 'open') {
      if (sig === undefined) return identity.openCaller()
      const r = identity.resolve(sig.accessKeyId, sig.sessionToken, now)
      return r.ok ? r.caller : identity.openCaller()
    }
    if (sig === undefined) {
      throw authError('missing', protocol, protocol === 'json' ? MESSAGES.missingJson : MESSAGES.missingQuery)
    }
    checkScopeAndClock(sig, service.signingName, protocol, now)
    const r = identity.resolve(sig.accessKeyId, sig.sessionToken, now)
    if (!r.ok) {
      throw r.reason === 'expired'
        ? authError('expired', protocol, MESSAGES.expiredToken)
        : authError('unknownKey', protocol, MESSAGES.invalidToken)
    }
    await verifySignature(req, sig, r.caller.secret, protocol)
    return r.caller
  }

  #context (caller: Caller, service: Service, operation: string, region: string, requestId: string,
    now: Date, sourceIp: string, endpoint: string,
    credentials?: CallMeta['credentials']): OperationContext & { authorized: boolean } {
    return operationContext(this.emulator, caller, service,
      { operation, region, requestId, now, sourceIp, endpoint, credentials })
  }

  #notImplemented (service: Service, name: string, requestId: string, principal: string): AwsError {
    const model = loadModel(service.model)
    const known = model.operations[name] !== undefined
    this.emulator.log.warn({ [F.requestId]: requestId, [F.service]: service.name, [F.operation]: name,
      [F.principal]: principal, inModel: known },
      'operation not emulated')
    if (service.protocol === 'ec2') {
      return new AwsError('InvalidAction', `The action ${name} is not valid for this web service.`)
    }
    return service.protocol === 'json' || service.protocol === 'rest-json'
      ? new AwsError('UnknownOperationException', known ? `Operation ${name} is not emulated.` : '')
      : new AwsError('InvalidAction', `Could not find operation ${name} for version ${service.version}`)
  }

  #asAwsError (e: unknown, routed: Routed | undefined, requestId: string): AwsError {
    if (isAwsError(e)) {
      this.emulator.log.info({ [F.requestId]: requestId, [F.operation]: routed?.operation,
        [F.principal]: routed?.principal, [F.errorCode]: e.code, decisionId: e.decisionId }, 'client error')
      return e
    }
    this.emulator.log.error({ [F.requestId]: requestId, [F.operation]: routed?.operation,
      [F.principal]: routed?.principal, err: { message: (e as Error)?.message } }, 'internal failure')
    this.emulator.log.debug({ [F.requestId]: requestId, stack: (e as Error)?.stack }, 'internal failure stack')
    return new AwsError('InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.', 500, 'Receiver')
  }
}

export interface CallMeta {
  operation: string
  region: string
  requestId: string
  now: Date
  sourceIp: string
  endpoint: string
  /** The key the request was signed with (none for an unsigned call under `--auth open`). */
  credentials?: { accessKeyId: string, sessionToken?: string }
}

/**
 * What a handler sees of one call: the caller, its scope, and `authorize`, which evaluates
 * each check through the one authorizer (recording the decision) and throws the service's
 * AccessDenied on the first denial. The pipeline makes one per request; the emulator's own
 * callers (api/internal.ts) make one the same way.
 */
export function operationContext (emulator: Emulator, caller: Caller, service: Service,
  m: CallMeta): OperationContext & { authorized: boolean } {
  const { requestId, region, now, sourceIp } = m
  let log: Logger | undefined
  const ctx = {
    requestId, principal: caller.principal, account: caller.principal.account, region, now, sourceIp,
    endpoint: m.endpoint, emulator, authorized: false, credentials: m.credentials,
    // A child logger costs a serialization of its bindings: made only when a handler logs.
    get log (): Logger {
      log ??= emulator.log.child({
        [F.requestId]: requestId, [F.operation]: m.operation, [F.region]: region,
        [F.principal]: caller.principal.arn
      })
      return log
    },
    authorize (checks: Check | Check[]): void {
      ctx.authorized = true
      for (const c of Array.isArray(checks) ? checks : [checks]) {
        const verdict = emulator.authorizer.check(caller.principal, c.action, c.resource, c.context ?? {}, {
          requestId, region, sourceIp, now, session: caller.session,
          // A task's own sessions (execution role, task role) act for the task.
          onBehalfOf: c.onBehalfOf ?? caller.session?.onBehalfOf
        }, c.resourcePolicies)
        if (!verdict.allowed) {
          const [code, status] = ACCESS_DENIED[service.protocol]
          const message = service.denialMessage?.(verdict.record) ?? verdict.record.message ?? ''
          const error = new AwsError(code, message, status)
          error.decisionId = verdict.record.id
          throw error
        }
      }
    }
  }
  return ctx
}

export async function invoke (op: Operation, input: any, ctx: OperationContext & { authorized: boolean },
  defaultAction: string): Promise<unknown> {
  if (op.authorize === undefined) ctx.authorize({ action: defaultAction, resource: '*' })
  else if (op.authorize !== 'handler') ctx.authorize(op.authorize(input, ctx))
  const output = await op.handle(input, ctx)
  if (!ctx.authorized) throw new Error(`${defaultAction} returned without authorizing`)
  return output
}

function decodeJson (body: Buffer, model: ReturnType<typeof loadModel>, shape: string | undefined): Record<string, unknown> {
  let input: unknown = {}
  if (body.length > 0) {
    try { input = JSON.parse(body.toString('utf8')) } catch {
      throw new AwsError('SerializationException', 'Unexpected character found in the request body: the body is not valid JSON.')
    }
  }
  checkJsonTypes(model, shape, input)
  return input as Record<string, unknown>
}

const header = (req: AwsHttpRequest, name: string): string | undefined => {
  const v = req.headers[name]
  return Array.isArray(v) ? v[0] : v
}

const SIGNING_PARAMS = new Set(['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires',
  'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Security-Token'])

function queryParams (req: AwsHttpRequest): Record<string, string> | undefined {
  const q = req.url.indexOf('?')
  const text = req.method === 'GET'
    ? (q < 0 ? '' : req.url.slice(q + 1))
    : (/x-www-form-urlencoded/i.test(header(req, 'content-type') ?? '') ? req.body.toString('utf8') : undefined)
  if (text === undefined) return undefined
  const out: Record<string, string> = {}
  for (const [k, v] of new URLSearchParams(text)) if (!SIGNING_PARAMS.has(k)) out[k] = v
  return out
}

/** Signatures (and their errors) are the query protocol's for EC2. */
const signatureProtocol = (service: Service): Protocol =>
  service.protocol === 'json' || service.protocol === 'rest-json' ? 'json' : 'query'

/**
 * EC2 words the authentication failures its own way. (unconfirmed) the answers for a request
 * without a signature and for an expired session token.
 */
const EC2_WORDS: Record<string, [string, string, number]> = {
  InvalidClientTokenId: ['AuthFailure', 'AWS was not able to validate the provided access credentials', 401],
  MissingAuthenticationToken: ['MissingParameter', 'The request must contain the parameter AWSAccessKeyId', 400],
  ExpiredToken: ['RequestExpired', 'Request has expired.', 400],
  InternalFailure: ['InternalError', 'An internal error has occurred', 500]
}

function inEc2Words (e: AwsError, protocol: WireProtocol): AwsError {
  const words = protocol === 'ec2' ? EC2_WORDS[e.code] : undefined
  if (words === undefined) return e
  const out = new AwsError(words[0], words[1], words[2], e.fault)
  out.decisionId = e.decisionId
  return out
}

function guessProtocol (req: AwsHttpRequest): 'json' | 'query' {
  return header(req, 'x-amz-target') === undefined && queryParams(req)?.Action !== undefined ? 'query' : 'json'
}

function jsonResponse (output: unknown, requestId: string): AwsHttpResponse {
  return {
    status: 200,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId },
    body: JSON.stringify(output ?? {})
  }
}

function xmlResponse (service: Service, name: string, output: object, requestId: string): AwsHttpResponse {
  const opModel = loadModel(service.model).operations[name]
  const wrapper = opModel.output?.resultWrapper
  const result = wrapper === undefined
    ? ''
    : `<${wrapper}>${writeXml(loadModel(service.model), opModel.output!.shape, output)}</${wrapper}>`
  return {
    status: 200,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body: `<${name}Response xmlns="${service.xmlNamespace}">${result}` +
      `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${name}Response>`
  }
}

/**
 * EC2's answer: the output members straight in `<ActionResponse>`, after `<requestId>`; an
 * action without output answers `<return>true</return>`.
 */
function ec2Response (service: Service, name: string, output: object, requestId: string): AwsHttpResponse {
  const opModel = loadModel(service.model).operations[name]
  const members = opModel.output === undefined
    ? '<return>true</return>'
    : writeXml(loadModel(service.model), opModel.output.shape, output)
  return {
    status: 200,
    headers: { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<${name}Response xmlns="${service.xmlNamespace}">` +
      `<requestId>${requestId}</requestId>${members}</${name}Response>`
  }
}

/**
 * JSON services spell the message member of their errors `message` (ECS, Logs, ECR) or
 * `Message` (Secrets Manager, SSM): the error's own shape decides, else what most of the
 * service's error shapes use.
 */
const messageKeys = new WeakMap<ServiceModel, { byShape: Map<string, string>, usual: string }>()

function messageKey (model: ServiceModel, code: string): string {
  let keys = messageKeys.get(model)
  if (keys === undefined) {
    const byShape = new Map<string, string>()
    let upper = 0
    for (const [name, shape] of Object.entries(model.shapes)) {
      if (shape.exception !== true) continue
      const key = Object.keys(shape.members ?? {}).find(m => m.toLowerCase() === 'message')
      if (key === undefined) continue
      byShape.set(name, key)
      if (key === 'Message') upper++
    }
    keys = { byShape, usual: upper * 2 > byShape.size ? 'Message' : 'message' }
    messageKeys.set(model, keys)
  }
  return keys.byShape.get(code) ?? keys.usual
}

export function errorResponse (e: AwsError, protocol: WireProtocol, requestId: string,
  xmlNamespace?: string, messageMember = 'message'): AwsHttpResponse {
  if (protocol === 'rest-json') return restJsonError(e, requestId)
  if (protocol === 'ec2') {
    return {
      status: e.status,
      headers: { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': requestId },
      body: '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>' +
        `<Code>${escapeXml(e.code)}</Code><Message>${escapeXml(e.message)}</Message></Error></Errors>` +
        `<RequestID>${requestId}</RequestID></Response>`
    }
  }
  if (protocol === 'json') {
    return {
      status: e.status,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId, 'x-amzn-errortype': e.code },
      body: JSON.stringify({ __type: e.code, [messageMember]: e.message, ...e.members })
    }
  }
  const ns = xmlNamespace === undefined ? '' : ` xmlns="${xmlNamespace}"`
  return {
    status: e.status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body: `<ErrorResponse${ns}><Error><Type>${e.fault}</Type><Code>${escapeXml(e.code)}</Code>` +
      `<Message>${escapeXml(e.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  }
}
