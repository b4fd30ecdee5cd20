/**
 * Joining the cluster as the ECS agent does (`ecs_client.go` RegisterContainerInstance):
 * transient errors are retried with back-off for up to an hour; AccessDeniedException,
 * ClientException and InvalidParameterException are terminal at once; a missing `default`
 * cluster is created when the agent was not told a cluster; every attribute sent must come
 * back in the reply, or the agent exits.
 */
import { randomUUID } from 'node:crypto'
import type { Attribute, ContainerInstance } from '@aws-sdk/client-ecs'
import { Backoff, RCI_BACKOFF, RCI_RETRY_LIMIT_MS, scaled, sleep } from './backoff.js'
import { agentAttributes, missingAttributes, totalResources, type DockerHost } from './capabilities.js'
import { callError, describeCallError, type CallError, type EcsApi } from './ecs-api.js'
import { retriable, terminal } from './exit.js'
import { F, type Logger } from './log.js'
import { AGENT_HASH, AGENT_VERSION } from './version.js'

/**
 * Errors that end the registration loop. An AccessDeniedException ends the process with 1,
 * which ecs-init restarts (so the denial repeats in the log for as long as it lasts); the
 * others with 5, which it does not (`agent/app/agent.go`).
 */
const TERMINAL_CODES = new Set(['AccessDeniedException', 'ClientException', 'InvalidParameterException'])
const RESTARTED_CODES = new Set(['AccessDeniedException'])

const RCI = 'ecs:RegisterContainerInstance'

export interface RegistrationInput {
  api: EcsApi
  log: Logger
  cluster: string
  /** Create the cluster when it is missing (the agent was started without one: `default`). */
  createMissingCluster: boolean
  /** Saved from an earlier registration: renews it. */
  containerInstanceArn?: string
  identityDocument: string
  identitySignature: string
  host: DockerHost
  fargateCapacity: boolean
  timeScale: number
  signal: AbortSignal
}

export interface Registered {
  containerInstance: ContainerInstance
  attributes: Attribute[]
}

/** Registers (or renews) the container instance; throws AgentExit when it cannot. */
export async function registerContainerInstance (input: RegistrationInput): Promise<Registered> {
  const attributes = agentAttributes(input.host, { fargateCapacity: input.fargateCapacity })
  const request = {
    cluster: input.cluster,
    totalResources: totalResources(input.host),
    versionInfo: { agentVersion: AGENT_VERSION, agentHash: AGENT_HASH, dockerVersion: `DockerVersion: ${input.host.serverVersion}` },
    attributes,
    instanceIdentityDocument: input.identityDocument,
    instanceIdentityDocumentSignature: input.identitySignature,
    clientToken: randomUUID(),
    ...(input.containerInstanceArn === undefined ? {} : { containerInstanceArn: input.containerInstanceArn })
  }

  const containerInstance = await withRetries(input, () => input.api.registerContainerInstance(request))

  const missing = missingAttributes(attributes, containerInstance.attributes)
  if (missing.length > 0) {
    input.log.error({ missingAttributes: missing.join(',') }, 'Error registering attributes: Attribute validation failed')
    throw terminal('Instance registration attempt with an invalid attribute')
  }
  return { containerInstance, attributes }
}

async function withRetries (input: RegistrationInput,
  register: () => Promise<ContainerInstance>): Promise<ContainerInstance> {
  const backoff = new Backoff(RCI_BACKOFF, input.timeScale)
  const deadline = Date.now() + scaled(RCI_RETRY_LIMIT_MS, input.timeScale)
  let createdCluster = false
  for (;;) {
    let failure: CallError
    try {
      return await register()
    } catch (e) {
      failure = callError(RCI, e)
    }

    if (input.createMissingCluster && !createdCluster && isClusterNotFound(failure)) {
      await createCluster(input)
      createdCluster = true
      continue
    }
    if (TERMINAL_CODES.has(failure.code) || isClusterNotFound(failure)) {
      logFailure(input.log, failure, 'Received terminal error from RegisterContainerInstance call, exiting')
      if (RESTARTED_CODES.has(failure.code)) throw retriable(describeCallError(failure))
      throw terminal(describeCallError(failure))
    }
    logFailure(input.log, failure, 'Received non-terminal error from RegisterContainerInstance call, retrying with exponential backoff')
    const wait = backoff.duration()
    if (Date.now() + wait > deadline) throw retriable(describeCallError(failure))
    if (!await sleep(wait, input.signal)) throw retriable('stopped while registering')
  }
}

// A missing cluster: ClusterNotFoundException here, ClientException "Cluster not found." on
// AWS (unconfirmed); the ECS agent matches the message. For a cluster it was told to join it
// retries such an error as transient for an hour; this agent gives up at once (deliberate:
// the cluster will not appear by itself here).
const isClusterNotFound = (e: CallError): boolean => e.message.includes('Cluster not found.')

async function createCluster (input: RegistrationInput): Promise<void> {
  try {
    await input.api.createCluster(input.cluster)
    input.log.info({ [F.cluster]: input.cluster }, 'Successfully created a cluster')
  } catch (e) {
    const failure = callError('ecs:CreateCluster', e)
    logFailure(input.log, failure, 'Could not create cluster')
    throw terminal(describeCallError(failure))
  }
}

function logFailure (log: Logger, e: CallError, what: string): void {
  log.error({ [F.call]: e.call, [F.errorCode]: e.code, status: e.status }, `${what}: ${describeCallError(e)}`)
}
