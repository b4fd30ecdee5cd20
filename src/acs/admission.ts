/**
 * Whether an agent may open its ACS or TCS session: the signed upgrade's caller is authorized
 * (ecs:Poll or ecs:StartTelemetrySession on the container instance, with `ecs:cluster`), then
 * the cluster and the instance the query names are looked up. A refusal is the HTTP status and
 * the `{"EXCEPTION": "message"}` body the agent decodes from a failed handshake.
 */
import type { Emulator } from '../emulator.js'
import type { Caller } from '../iam/identity.js'
import { arns } from '../ecs/arns.js'
import { resourceTagContext } from '../ecs/authz.js'
import { containerInstanceId, type VersionInfo } from '../ecs/container-instance.js'
import { clusterRef } from '../ecs/context.js'
import type { AgentIdentity } from './session.js'

export type AgentService = 'acs' | 'tcs'

export interface AdmissionRequest {
  service: AgentService
  caller: Caller
  region: string
  sourceIp: string
  query: URLSearchParams
  endpoint: string
  requestId: string
  now: Date
}

export interface Refusal {
  ok: false
  status: number
  /** The exception the body names, and its message, as the agent reads them. */
  error: string
  message: string
  /** What the log says. */
  reason: string
  decisionId?: string
}

export type Admission = { ok: true, agent: AgentIdentity } | Refusal

const ACTIONS: Record<AgentService, string> = {
  acs: 'ecs:Poll',
  tcs: 'ecs:StartTelemetrySession'
}

/** The query names ACS (`session.go`, acsURL) and TCS (`handler.go`, formatURL) use. */
const PARAMS: Record<AgentService, { cluster: string, instance: string }> = {
  acs: { cluster: 'clusterArn', instance: 'containerInstanceArn' },
  tcs: { cluster: 'cluster', instance: 'containerInstance' }
}

/**
 * The message a denied Poll or StartTelemetrySession answers with: ACS and TCS say only
 * "Forbidden" (as agents log it: `{"AccessDeniedException":"Forbidden"}`); the decision log
 * keeps the reason.
 */
export const FORBIDDEN = 'Forbidden'

export function admit (emulator: Emulator, r: AdmissionRequest): Admission {
  const names = PARAMS[r.service]
  const instanceParam = r.query.get(names.instance) ?? ''
  if (instanceParam === '') {
    // (unconfirmed) how ACS answers a query without the instance
    return refusal(400, 'BadRequestException', 'Missing container instance arn',
      'no container instance in the query')
  }
  const scope = { account: r.caller.principal.account, region: r.region }
  const clusterParam = r.query.get(names.cluster) ?? ''
  const cluster = clusterRef(clusterParam === '' ? undefined : clusterParam, scope)
  const id = containerInstanceId(instanceParam)
  const instanceArn = arns.containerInstance(scope, cluster.name, id)

  // authorize
  const action = ACTIONS[r.service]
  const tags = resourceTagContext(emulator.tags.list(instanceArn))
  const context = { ...tags, 'ecs:cluster': cluster.arn }
  const verdict = emulator.authorizer.check(r.caller.principal, action, instanceArn, context, {
    requestId: r.requestId, region: r.region, sourceIp: r.sourceIp, now: r.now,
    session: r.caller.session
  })
  if (!verdict.allowed) {
    const reason = verdict.record.message ?? 'denied'
    return { ...refusal(403, 'AccessDeniedException', FORBIDDEN, reason), decisionId: verdict.record.id }
  }

  // look up
  const found = cluster.local ? emulator.ecs.clusters.get(scope, cluster.name) : undefined
  if (found === undefined || found.status === 'INACTIVE') {
    // (unconfirmed) the message
    return refusal(400, 'InvalidClusterException', 'Cluster not found.',
      `no cluster ${cluster.arn}`)
  }
  const instance = emulator.ecs.containerInstances.get(scope, cluster.name, id)
  if (instance === undefined) {
    // (unconfirmed) the message
    return refusal(400, 'InvalidInstanceException', 'Container instance not found.',
      `no container instance ${instanceArn}`)
  }
  if (instance.status === 'INACTIVE') {
    // (unconfirmed) for ACS: the words ECS uses when an inactive instance registers again
    return refusal(400, 'InactiveInstanceException', `Container instance ${id} is inactive.`,
      `container instance ${instanceArn} is deregistered`)
  }

  return {
    ok: true,
    agent: {
      ...scope,
      cluster: cluster.name,
      clusterArn: found.clusterArn,
      containerInstanceArn: instance.containerInstanceArn,
      principal: r.caller.principal.arn,
      endpoint: r.endpoint,
      versionInfo: versionInfo(r.query),
      protocolVersion: Number(r.query.get('protocolVersion') ?? '1') || 1,
      sendCredentials: r.query.get('sendCredentials') === 'true'
    }
  }
}

function versionInfo (q: URLSearchParams): VersionInfo {
  const out: VersionInfo = {}
  for (const key of ['agentVersion', 'agentHash', 'dockerVersion'] as const) {
    const v = q.get(key)
    if (v !== null && v !== '') out[key] = v
  }
  return out
}

const refusal = (status: number, error: string, message: string, reason: string): Refusal =>
  ({ ok: false, status, error, message, reason })
