/**
 * The awslogs log driver, done by the agent instead of Docker (Docker's driver would call AWS
 * itself): before a container starts, its stream is created as Docker's driver creates it
 * (`logs:CreateLogStream`; on a missing group and `awslogs-create-group: "true"`,
 * `logs:CreateLogGroup` and the stream again); its output is then shipped by a LogShipper.
 */
import { CreateLogGroupCommand, CreateLogStreamCommand } from '@aws-sdk/client-cloudwatch-logs'
import type { ClientFactory, CredentialSource } from './clients.js'
import { StartupFailure, isFargate, type LaunchType } from './failure.js'
import { regionProblem } from './regions.js'
import { callFailure, goV1, goV2, isCode, type CallFailure } from './sdk-errors.js'

export interface AwsLogsOptions {
  group: string
  region: string
  streamPrefix?: string
  createGroup: boolean
}

export interface LogConfig { Type?: string, Config?: Record<string, string> }

/** The awslogs options of a container's LogConfig; undefined for any other driver. */
export function awslogsOptions (config: LogConfig | undefined,
  taskRegion: string): AwsLogsOptions | undefined {
  if (config?.Type !== 'awslogs') return undefined
  const o = config.Config ?? {}
  return {
    group: o['awslogs-group'] ?? '',
    region: o['awslogs-region'] ?? taskRegion,
    streamPrefix: o['awslogs-stream-prefix'] === '' ? undefined : o['awslogs-stream-prefix'],
    createGroup: o['awslogs-create-group'] === 'true'
  }
}

/** `PREFIX/CONTAINER/TASK_ID`; without a prefix, Docker names the stream after the container id. */
export function streamName (o: AwsLogsOptions, containerName: string, taskId: string,
  dockerId: string): string {
  return o.streamPrefix === undefined ? dockerId : `${o.streamPrefix}/${containerName}/${taskId}`
}

export interface LogsContext {
  clients: ClientFactory
  credentials: CredentialSource
  launchType: LaunchType | undefined
  /** The emulator's region, accepted whatever its name. */
  ownRegion: string
}

export async function createLogStream (o: AwsLogsOptions, stream: string,
  ctx: LogsContext): Promise<void> {
  if (o.group === '') throw new StartupFailure(loggerFailure("must specify a value for log opt 'awslogs-group'", ctx))
  const problem = regionProblem(o.region, ctx.ownRegion)
  if (problem !== undefined) {
    throw new StartupFailure(loggerFailure(regionFailure(o.region, problem, ctx), ctx))
  }

  const client = ctx.clients.logs(o.region, ctx.credentials)
  try {
    const create = async () => await client.send(new CreateLogStreamCommand({
      logGroupName: o.group, logStreamName: stream
    }))
    const first = await attempt(create, 'CreateLogStream')
    if (first === undefined) return
    if (!o.createGroup || !isCode(first, 'ResourceNotFoundException')) {
      throw new StartupFailure(loggerFailure(`failed to create Cloudwatch log stream: ${sdk(first, ctx)}`, ctx))
    }
    const makeGroup = async () => await client.send(new CreateLogGroupCommand({ logGroupName: o.group }))
    const group = await attempt(makeGroup, 'CreateLogGroup')
    if (group !== undefined && !isCode(group, 'ResourceAlreadyExistsException')) {
      throw new StartupFailure(loggerFailure(`failed to create Cloudwatch log group: ${sdk(group, ctx)}`, ctx))
    }
    const again = await attempt(create, 'CreateLogStream')
    if (again !== undefined) {
      throw new StartupFailure(loggerFailure(`failed to create Cloudwatch log stream: ${sdk(again, ctx)}`, ctx))
    }
  } finally {
    client.destroy()
  }
}

/** Undefined on success, and for a stream that exists already (Docker's driver reuses it). */
async function attempt (call: () => Promise<unknown>,
  operation: string): Promise<CallFailure | undefined> {
  try {
    await call()
    return undefined
  } catch (e) {
    const f = callFailure(e, 'CloudWatch Logs', operation)
    return isCode(f, 'ResourceAlreadyExistsException') && operation === 'CreateLogStream' ? undefined : f
  }
}

/**
 * Docker 20.10's driver uses aws-sdk-go v1 (newline and tab before `status code`); Fargate's
 * renders the v2 form, except for a missing log group: the text reported from Fargate for it
 * is `ResourceNotFoundException: The specified log group does not exist.` alone.
 */
function sdk (f: CallFailure, ctx: LogsContext): string {
  if (!isFargate(ctx.launchType)) return goV1(f, '\n\t')
  return isCode(f, 'ResourceNotFoundException') ? `${f.code!}: ${f.message}` : goV2(f)
}

/**
 * aws-sdk-go v1 refuses to build an endpoint from a region that is not a host label (the
 * request then fails with MissingEndpoint); a well-formed region that does not exist fails
 * when its endpoint's name does not resolve. (unconfirmed) the exact tails, per the
 * reference's note on `${AWS_REGION}`.
 */
function regionFailure (region: string, problem: 'malformed' | 'unknown', ctx: LogsContext): string {
  if (problem === 'malformed') {
    return "failed to create Cloudwatch log stream: MissingEndpoint: 'Endpoint' configuration is required for this service"
  }
  const separator = isFargate(ctx.launchType) ? ' ' : '\n'
  return `failed to create Cloudwatch log stream: RequestError: send request failed${separator}caused by: Post "https://logs.${region}.amazonaws.com/": dial tcp: lookup logs.${region}.amazonaws.com: no such host`
}

/** Fargate fails the task's logger validation; on EC2 Docker refuses to start the container. */
function loggerFailure (detail: string, ctx: LogsContext): string {
  if (isFargate(ctx.launchType)) {
    return `ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: ${detail} : exit status 1`
  }
  return `CannotStartContainerError: Error response from daemon: failed to initialize logging driver: ${detail}`
}
