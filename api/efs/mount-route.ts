/**
 * `POST /_emulator/efs/mount`: how the agent mounts a task's EFS volume (the agent talks to the
 * control plane over HTTP only). The contract:
 *
 *   request  JSON { "fileSystemId": "fs-…",            required (an id or a file system ARN)
 *                   "rootDirectory"?: "/dir",          the volume's rootDirectory (default /)
 *                   "accessPointId"?: "fsap-…",        authorizationConfig.accessPointId
 *                   "iam"?: "ENABLED" | "DISABLED",    authorizationConfig.iam (default DISABLED)
 *                   "transitEncryption"?: "ENABLED" | "DISABLED",
 *                   "region"?: "us-east-1",            default: the emulator's region
 *                   "taskArn"?: "arn:aws:ecs:…:task/…",  picks the mount target of the task's zone
 *                   "readOnly"?: true }                every mount point of the volume is read-only
 *            With "iam": "ENABLED" the request must be SigV4-signed (service elasticfilesystem,
 *            any region) with the task role's credentials; it is then authorized as
 *            elasticfilesystem:ClientMount (and ClientWrite unless read-only, ClientRootAccess
 *            unless an access point sets the POSIX user) on the file system's ARN, with
 *            elasticfilesystem:AccessPointArn and the file system policy, and recorded in the
 *            decision log on behalf of `taskArn`.
 *   200      { "hostPath": "/abs/dir", "readOnly": bool, "rootSquash": bool }: bind-mount
 *            hostPath (read-only when readOnly: ClientWrite was denied or not asked for);
 *            rootSquash says ClientRootAccess was denied (the emulator cannot squash root).
 *   4xx      { "reason": "ResourceInitializationError: …", "decisionId"?: "…" }: the text ECS
 *            shows as the task's stoppedReason (404: no file system, or no mount target for the
 *            task's zone and VPC; 403: refused by IAM, decisionId the denied decision; 400: the
 *            directory does not exist, or the request is not this contract's).
 */
import { randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Emulator } from '../../src/emulator.js'
import type { Caller } from '../../src/iam/identity.js'
import { mount, type MountRequest } from '../../src/efs/mount.js'
import { isAwsError } from '../errors.js'
import { checkScopeAndClock, readSignature, verifySignature } from '../sigv4.js'

export function registerEfsRoutes (app: FastifyInstance, emulator: Emulator): void {
  app.post('/_emulator/efs/mount', async (req, reply) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
    const parsed = parseRequest(body)
    if (typeof parsed === 'string') return reply.code(400).send({ reason: parsed })
    const now = new Date()
    const log = emulator.log.child({ fileSystemId: parsed.fileSystemId, taskArn: parsed.taskArn })

    // authenticate: only an IAM-authorized mount has a caller
    let caller: Caller | undefined
    if (parsed.iam === 'ENABLED') {
      const who = await authenticate(emulator, req, body, now)
      if (who.ok) caller = who.caller
      else log.info({ reason: who.reason }, 'efs mount not authenticated')
    }

    const result = mount(emulator, parsed, caller, { requestId: randomUUID(), now, sourceIp: req.ip })
    if (!result.ok) {
      log.info({ status: result.status, decisionId: result.decisionId }, 'efs mount refused')
      return reply.code(result.status).send({ reason: result.reason, decisionId: result.decisionId })
    }
    return { hostPath: result.hostPath, readOnly: result.readOnly, rootSquash: result.rootSquash }
  })
}

const ENUMS = { iam: ['ENABLED', 'DISABLED'], transitEncryption: ['ENABLED', 'DISABLED'] }
const STRINGS = ['rootDirectory', 'accessPointId', 'region', 'taskArn'] as const

/** The request, or why it is not one (these texts are the emulator's, not AWS's). */
function parseRequest (body: Buffer): MountRequest | string {
  let value: unknown
  try { value = JSON.parse(body.toString('utf8')) } catch { return 'the body must be a JSON object' }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'the body must be a JSON object'
  const r = value as Record<string, unknown>
  if (typeof r.fileSystemId !== 'string' || r.fileSystemId === '') return 'fileSystemId is required'
  for (const k of STRINGS) if (r[k] !== undefined && typeof r[k] !== 'string') return `${k} must be a string`
  for (const [k, allowed] of Object.entries(ENUMS)) {
    if (r[k] !== undefined && !allowed.includes(r[k] as string)) return `${k} must be ENABLED or DISABLED`
  }
  if (r.readOnly !== undefined && typeof r.readOnly !== 'boolean') return 'readOnly must be a boolean'
  return r as unknown as MountRequest
}

type Authenticated = { ok: true, caller: Caller } | { ok: false, reason: string }

/** The signer of the request, checked as the pipeline checks any call (`--auth open` takes any key). */
async function authenticate (emulator: Emulator, req: FastifyRequest, body: Buffer,
  now: Date): Promise<Authenticated> {
  const { identity, config } = emulator
  const signed = { method: req.method, url: req.url, headers: req.headers, body }
  try {
    const sig = readSignature(signed, 'json')
    if (config.auth === 'open') {
      const r = sig === undefined ? undefined : identity.resolve(sig.accessKeyId, sig.sessionToken, now)
      return { ok: true, caller: r?.ok === true ? r.caller : identity.openCaller() }
    }
    if (sig === undefined) return { ok: false, reason: 'not signed' }
    checkScopeAndClock(sig, 'elasticfilesystem', 'json', now)
    const r = identity.resolve(sig.accessKeyId, sig.sessionToken, now)
    if (!r.ok) return { ok: false, reason: `${r.reason} access key ${sig.accessKeyId}` }
    await verifySignature(signed, sig, r.caller.secret, 'json')
    return { ok: true, caller: r.caller }
  } catch (e) {
    if (isAwsError(e)) return { ok: false, reason: `${e.code}: ${e.message}` }
    throw e
  }
}
