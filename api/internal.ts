/**
 * The emulator's own calls to its AWS APIs, made as a principal it holds credentials for (the
 * service scheduler as the service role, for one). They run the operation's handler exactly as a
 * request would, with the same input validation and the same authorizer, so that each call
 * shows in the decision log as the role that made it; only the wire and the signature, which
 * add nothing in-process, are left out.
 */
import { randomUUID } from 'node:crypto'
import type { Emulator } from '../src/emulator.js'
import type { SessionRecord } from '../store/sts.js'
import { AwsError } from './errors.js'
import { constraintFailures, loadModel } from './models.js'
import { operationContext } from './pipeline.js'
import type { Service } from './registry.js'

export interface InternalCall {
  service: Service
  operation: string
  input: Record<string, unknown>
  /** The session the call is made with: its principal, policies and `onBehalfOf`. */
  session: SessionRecord
  region: string
  now?: Date
}

/**
 * Runs one operation as the session's principal and returns its output; an AWS error (an
 * AccessDenied carries its decision id) is thrown as the API would answer it. Only handlers
 * that answer synchronously can be called: the scheduler's pass must not yield mid-way.
 */
export function callAs (emulator: Emulator, call: InternalCall): Record<string, unknown> {
  const now = call.now ?? new Date()
  const resolved = emulator.identity.resolve(call.session.accessKeyId, call.session.sessionToken, now)
  if (!resolved.ok) {
    throw new AwsError('ExpiredToken', 'The security token included in the request is expired', 400)
  }
  const { service, operation } = call
  const op = service.operations[operation]
  if (op === undefined) throw new Error(`${service.name}:${operation} is not emulated`)
  const shape = loadModel(service.model).operations[operation]?.input?.shape
  const failures = constraintFailures(loadModel(service.model), shape, call.input, service.checkPatterns)
  if (failures.length > 0) throw service.invalidInput(failures)

  const ctx = operationContext(emulator, resolved.caller, service, {
    operation, region: call.region, requestId: randomUUID(), now, sourceIp: '127.0.0.1',
    endpoint: `http://${emulator.config.host}:${emulator.config.port}`,
    credentials: { accessKeyId: call.session.accessKeyId, sessionToken: call.session.sessionToken }
  })
  const action = `${service.actionPrefix}:${operation}`
  if (op.authorize === undefined) ctx.authorize({ action, resource: '*' })
  else if (op.authorize !== 'handler') ctx.authorize(op.authorize(call.input, ctx))
  const output = op.handle(call.input, ctx)
  if (output instanceof Promise) throw new Error(`${action} answers asynchronously`)
  if (!ctx.authorized) throw new Error(`${action} returned without authorizing`)
  return (output ?? {}) as Record<string, unknown>
}
