/**
 * The emulated EC2 instance the agent runs on: `POST {endpoint}/_emulator/instances` gives it
 * (a new one for an instance profile and cluster, or the saved one again by id) with the
 * address of its metadata service. Everything after that goes through IMDS, as on EC2.
 */

export interface InstanceRequest {
  instanceId?: string
  instanceProfile?: string
  cluster?: string
}

export interface InstanceGrant {
  instanceId: string
  imdsEndpoint: string
  /** The emulator's state generation (undefined from an emulator too old to say). */
  generation?: string
}

/** A refusal the agent cannot get past by waiting (a bad profile name, ...). */
export class InstanceRefused extends Error {
  readonly code = 'ECS_EMULATOR_AGENT_INSTANCE_REFUSED'
}

export async function acquireInstance (endpoint: string, request: InstanceRequest): Promise<InstanceGrant> {
  const response = await fetch(`${endpoint}/_emulator/instances`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
    signal: AbortSignal.timeout(10_000)
  })
  const text = await response.text()
  if (response.status >= 400 && response.status < 500) {
    throw new InstanceRefused(`POST /_emulator/instances answered ${response.status}: ${errorText(text)}`)
  }
  if (!response.ok) throw new Error(`POST /_emulator/instances answered ${response.status}: ${errorText(text)}`)
  const grant = JSON.parse(text) as Partial<InstanceGrant>
  if (typeof grant.instanceId !== 'string' || typeof grant.imdsEndpoint !== 'string') {
    throw new Error(`POST /_emulator/instances answered without instanceId and imdsEndpoint: ${text.slice(0, 200)}`)
  }
  return {
    instanceId: grant.instanceId,
    imdsEndpoint: grant.imdsEndpoint,
    ...(typeof grant.generation === 'string' ? { generation: grant.generation } : {})
  }
}

/**
 * The emulator's state generation now (`GET /_emulator/health`): another than the one the agent
 * joined under means a reset wiped its instance and tasks. Undefined when it cannot be told.
 */
export async function currentGeneration (endpoint: string): Promise<string | undefined> {
  try {
    const response = await fetch(`${endpoint}/_emulator/health`, { signal: AbortSignal.timeout(5_000) })
    if (!response.ok) return undefined
    const health = await response.json() as { generation?: unknown }
    return typeof health.generation === 'string' ? health.generation : undefined
  } catch {
    return undefined
  }
}

function errorText (text: string): string {
  try {
    const doc = JSON.parse(text) as { error?: string, message?: string }
    if (doc.message !== undefined) return doc.error === undefined ? doc.message : `${doc.error}: ${doc.message}`
  } catch {}
  return text.slice(0, 500)
}
