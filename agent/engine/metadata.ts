/**
 * Task metadata endpoint v4 (and v3) answers, in the agent's shapes and member order
 * (ecs-agent/tmds/handlers/v2|v4 response types): the container, its task (with every
 * container, the pause container included), the task with tags (ecs:ListTagsForResource as
 * the instance role; a refusal goes in `Errors`), and Docker stats.
 */
import { ListTagsForResourceCommand } from '@aws-sdk/client-ecs'
import type Docker from 'dockerode'
import type { MetadataSource } from '../endpoints/server.js'
import type { TaskEngineOptions } from '../engine.js'
import type { ClientFactory } from '../startup/clients.js'
import { callFailure } from '../startup/sdk-errors.js'
import { dockerJson, logConfigOf, networkModeOf } from './container-config.js'
import { LABELS, PAUSE_CONTAINER, PAUSE_IMAGE, clusterName } from './labels.js'
import type { ContainerState, ManagedTask } from './state.js'

export interface MetadataContext {
  docker: Docker
  clients: ClientFactory
  options: TaskEngineOptions
  /** The task and container a metadata id belongs to. */
  lookup (metadataId: string): { mt: ManagedTask, c: ContainerState } | undefined
}

export function metadataSource (ctx: MetadataContext): MetadataSource {
  return {
    container (id) {
      const found = ctx.lookup(id)
      return found === undefined ? undefined : containerResponse(found.mt, found.c)
    },
    async task (id, withTags) {
      const found = ctx.lookup(id)
      if (found === undefined) return undefined
      return taskResponse(found.mt, ctx.options, withTags ? await tags(found.mt, ctx) : {})
    },
    async containerStats (id) {
      const found = ctx.lookup(id)
      if (found?.c.dockerId === undefined) return undefined
      return await stats(ctx.docker, found.c.dockerId)
    },
    async taskStats (id) {
      const found = ctx.lookup(id)
      if (found === undefined) return undefined
      const out: Record<string, unknown> = {}
      for (const c of found.mt.state.containers) {
        if (c.dockerId !== undefined) out[c.dockerId] = await stats(ctx.docker, c.dockerId)
      }
      return out
    }
  }
}

type Json = Record<string, unknown>

/** Drops undefined members (Go's omitempty for the pointer and slice members). */
function compact (o: Json): Json {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))
}

const knownStatus = (c: ContainerState): string =>
  c.kind === 'CNI_PAUSE' && c.known === 'RUNNING' ? 'RESOURCES_PROVISIONED' : c.known

function containerResponse (mt: ManagedTask, c: ContainerState): Json {
  const pause = c.kind === 'CNI_PAUSE'
  const def = mt.state.task.containers.find(d => d.name === c.name)
  const config = dockerJson(def?.dockerConfig?.config)
  const log = def === undefined ? undefined : logConfigOf(def)
  const task = mt.state.task
  const labels = {
    ...(config.Labels as Record<string, string> | undefined ?? {}),
    [LABELS.cluster]: clusterName(task.taskClusterArn ?? ''),
    [LABELS.containerName]: pause ? PAUSE_CONTAINER : c.name,
    [LABELS.taskArn]: task.arn,
    [LABELS.family]: task.family,
    [LABELS.version]: task.version
  }
  return compact({
    DockerId: c.dockerId ?? '',
    Name: c.name,
    DockerName: c.dockerName ?? '',
    Image: pause ? PAUSE_IMAGE : def?.image ?? '',
    ImageID: c.imageId ?? '',
    Ports: ports(c),
    Labels: labels,
    DesiredStatus: pause ? 'RESOURCES_PROVISIONED' : mt.state.stopping ? 'STOPPED' : 'RUNNING',
    KnownStatus: knownStatus(c),
    ExitCode: c.exitCode,
    // As the ECS agent: only for a container whose definition enables a restart policy.
    RestartCount: def?.restartPolicy?.enabled === true ? c.restartCount ?? 0 : undefined,
    Limits: { CPU: def?.cpu ?? 0, Memory: def?.memory ?? 0 },
    CreatedAt: c.createdAt,
    StartedAt: c.startedAt,
    FinishedAt: c.finishedAt,
    Type: pause ? 'CNI_PAUSE' : 'NORMAL',
    Health: c.health === undefined ? undefined : { status: c.health, statusSince: c.healthSince },
    Volumes: c.volumes !== undefined && c.volumes.length > 0 ? c.volumes : undefined,
    LogDriver: log?.Type,
    LogOptions: log?.Type === 'awslogs' && c.logs !== undefined
      ? { ...(log.Config ?? {}), 'awslogs-stream': c.logs.stream }
      : log?.Config,
    ContainerARN: (def as { containerArn?: string } | undefined)?.containerArn,
    Networks: networks(mt, c)
  })
}

function ports (c: ContainerState): Json[] | undefined {
  if (c.networkBindings === undefined || c.networkBindings.length === 0) return undefined
  return c.networkBindings.map(b => ({
    ContainerPort: b.containerPort, Protocol: b.protocol, HostPort: b.hostPort, HostIp: b.bindIP
  }))
}

function networks (mt: ManagedTask, c: ContainerState): Json[] {
  const mode = networkModeOf(mt.state.task)
  if (mode !== 'awsvpc') {
    const addresses = c.ipv4 === undefined || c.ipv4 === '' ? undefined : [c.ipv4]
    return [compact({ NetworkMode: mode, IPv4Addresses: addresses })]
  }
  const p = mt.state.pause
  const eni = mt.state.task.elasticNetworkInterfaces?.[0]
  return [compact({
    NetworkMode: 'awsvpc',
    IPv4Addresses: p?.ipv4 === undefined ? undefined : [p.ipv4],
    AttachmentIndex: 0,
    MACAddress: p?.mac,
    IPv4SubnetCIDRBlock: p?.subnet,
    PrivateDNSName: (eni as { privateDnsName?: string } | undefined)?.privateDnsName,
    SubnetGatewayIpv4Address: p?.gateway === undefined || p.subnet === undefined
      ? undefined
      : `${p.gateway}/${p.subnet.split('/')[1]}`
  })]
}

function taskResponse (mt: ManagedTask, options: TaskEngineOptions, tagged: Json): Json {
  const task = mt.state.task
  const fargate = task.launchType === 'FARGATE'
  const cluster = task.taskClusterArn ?? options.cluster
  const limits = task.cpu === undefined && task.memory === undefined
    ? undefined
    : compact({ CPU: task.cpu, Memory: task.memory })
  const known = mt.state.sent === 'NONE' ? 'NONE' : mt.state.sent
  return compact({
    Cluster: fargate ? cluster : clusterName(cluster),
    TaskARN: task.arn,
    Family: task.family,
    Revision: task.version,
    DesiredStatus: mt.state.stopping ? 'STOPPED' : 'RUNNING',
    KnownStatus: known,
    Limits: limits,
    PullStartedAt: mt.state.pullStartedAt,
    PullStoppedAt: mt.state.pullStoppedAt,
    ExecutionStoppedAt: mt.state.executionStoppedAt,
    AvailabilityZone: options.availabilityZone,
    TaskTags: tagged.TaskTags,
    ContainerInstanceTags: tagged.ContainerInstanceTags,
    LaunchType: task.launchType ?? 'EC2',
    Errors: tagged.Errors,
    Containers: mt.all().map(c => containerResponse(mt, c)),
    ServiceName: (task as { serviceName?: string }).serviceName,
    FaultInjectionEnabled: (task as { enableFaultInjection?: boolean }).enableFaultInjection === true
  })
}

/** Container instance tags, then task tags, as the agent asks for them. */
async function tags (mt: ManagedTask, ctx: MetadataContext): Promise<Json> {
  const region = mt.arn.split(':')[3] || ctx.options.region
  const client = ctx.clients.ecs(region, ctx.options.instanceCredentials)
  const out: Json = {}
  const errors: Json[] = []
  try {
    const lookups = [['ContainerInstanceTags', ctx.options.containerInstanceArn], ['TaskTags', mt.arn]]
    for (const [field, arn] of lookups) {
      try {
        const answer = await client.send(new ListTagsForResourceCommand({ resourceArn: arn }))
        const found = answer.tags ?? []
        if (found.length > 0) out[field] = Object.fromEntries(found.map(t => [t.key ?? '', t.value ?? '']))
      } catch (e) {
        const f = callFailure(e, 'ECS', 'ListTagsForResource')
        errors.push(compact({
          ErrorField: field, ErrorCode: f.code, ErrorMessage: f.message, StatusCode: f.status,
          RequestId: f.requestId, ResourceARN: arn
        }))
      }
    }
  } finally {
    client.destroy()
  }
  return errors.length > 0 ? { ...out, Errors: errors } : out
}

async function stats (docker: Docker, id: string): Promise<object> {
  try {
    // One sample, at once (API 1.41 `one-shot`), instead of Docker's two a second apart.
    return await docker.getContainer(id).stats({ stream: false, 'one-shot': true } as { stream: false })
  } catch {
    return {}
  }
}
