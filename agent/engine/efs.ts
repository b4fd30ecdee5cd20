/**
 * A task's EFS volumes, mounted as the EFS mount helper mounts them at task start-up: the
 * control plane decides (`POST {endpoint}/_emulator/efs/mount`, contract in
 * api/efs/mount-route.ts) whether the file system's name resolves for the task, whether the
 * task role may mount it (`authorizationConfig.iam: ENABLED`: the request is signed for
 * `elasticfilesystem` with the task role's credentials, as the helper signs with them), and
 * answers the host directory the engine bind-mounts. A refusal's `reason` is the text ECS
 * shows, and stops the task. (unconfirmed) An EC2 task's agent mounts through the ECS volume
 * plugin, whose failure may read otherwise; the Fargate texts are given for both.
 */
import { Hash } from '@smithy/hash-node'
import { HttpRequest } from '@smithy/protocol-http'
import { SignatureV4 } from '@smithy/signature-v4'
import type { AcsCredentials, AcsTask, AcsVolume } from '../acs-task.js'
import { StartupFailure } from '../startup/failure.js'
import { awsCredentials } from './runtime.js'

/** What a mount point of an EFS volume binds. */
export interface EfsMount {
  hostPath: string
  /** Every mount point binds it read-only (the control plane said so, or all asked for it). */
  readOnly: boolean
}

export interface EfsContext {
  endpoint: string
  task: AcsTask
  region: string
}

/** The mount of each EFS volume of the task, by volume name; throws a StartupFailure. */
export async function mountEfsVolumes (ctx: EfsContext,
  containerNames: string[]): Promise<Map<string, EfsMount>> {
  const out = new Map<string, EfsMount>()
  for (const v of ctx.task.volumes ?? []) {
    if (!isEfs(v)) continue
    const answer = await mountOne(ctx, v)
    // (unconfirmed) which containers of a Fargate task carry the reason: here every one.
    if (!answer.ok) throw new StartupFailure(answer.reason, containerNames)
    out.set(v.name, { hostPath: answer.hostPath, readOnly: answer.readOnly })
  }
  return out
}

export const isEfs = (v: AcsVolume): boolean =>
  v.type === 'efs' || v.efsVolumeConfiguration !== undefined

type Answer = { ok: true, hostPath: string, readOnly: boolean } | { ok: false, reason: string }

/** The prefix of every EFS mount failure ECS shows. */
const EFS_UTILS = 'ResourceInitializationError: failed to invoke EFS utils commands to set up EFS volumes: '

async function mountOne (ctx: EfsContext, v: AcsVolume): Promise<Answer> {
  const request = mountRequest(ctx, v)
  const url = new URL('/_emulator/efs/mount', ctx.endpoint)
  const body = JSON.stringify(request)
  const role = ctx.task.roleCredentials
  const headers = request.iam === 'ENABLED' && role !== undefined
    ? await signed(url, ctx.region, role, body)
    : { 'content-type': 'application/json' }

  let res: Response
  try {
    res = await fetch(url, { method: 'POST', headers, body })
  } catch (e) {
    const reason = `${EFS_UTILS}${(e as Error).message} (the control plane did not answer)`
    return { ok: false, reason }
  }
  const answer = await res.json().catch(() => ({})) as Record<string, unknown>
  if (res.ok && typeof answer.hostPath === 'string') {
    const readOnly = answer.readOnly === true || request.readOnly
    return { ok: true, hostPath: answer.hostPath, readOnly }
  }
  if (typeof answer.reason === 'string') return { ok: false, reason: answer.reason }
  return { ok: false, reason: `${EFS_UTILS}the control plane answered HTTP ${res.status}` }
}

/** The route's request for the volume (api/efs/mount-route.ts). */
function mountRequest (ctx: EfsContext, v: AcsVolume) {
  const efs = v.efsVolumeConfiguration ?? {}
  return {
    fileSystemId: efs.fileSystemId ?? '',
    rootDirectory: efs.rootDirectory,
    accessPointId: efs.authorizationConfig?.accessPointId,
    iam: efs.authorizationConfig?.iam ?? 'DISABLED',
    transitEncryption: efs.transitEncryption,
    region: ctx.region,
    taskArn: ctx.task.arn,
    readOnly: readOnlyEverywhere(ctx.task, v.name)
  }
}

/** True when the volume has mount points and every one is read-only. */
function readOnlyEverywhere (task: AcsTask, volume: string): boolean {
  const points = task.containers.flatMap(c => c.mountPoints ?? [])
    .filter(m => m.sourceVolume === volume)
  return points.length > 0 && points.every(m => m.readOnly === true)
}

class Sha256 extends Hash {
  constructor (secret?: Parameters<typeof Hash.prototype.update>[0]) {
    super('sha256', secret as never)
  }
}

/** The request's headers, SigV4-signed for elasticfilesystem with the task role's credentials. */
async function signed (url: URL, region: string, role: AcsCredentials,
  body: string): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    service: 'elasticfilesystem', region, credentials: awsCredentials(role), sha256: Sha256
  })
  const request = new HttpRequest({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port === '' ? undefined : Number(url.port),
    path: url.pathname,
    headers: { host: url.host, 'content-type': 'application/json' },
    body
  })
  return (await signer.sign(request)).headers
}
