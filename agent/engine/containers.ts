/**
 * One container's transitions: created (with the create body the task asks for), its awslogs
 * stream made, started, watched (exit, health), stopped (SIGTERM, SIGKILL after stopTimeout).
 * Docker's refusals read as the agent reports them (`CannotCreateContainerError: Error
 * response from daemon: …`, `CannotStartContainerError: …`).
 */
import type Docker from 'dockerode'
import type { AcsContainer } from '../acs-task.js'
import type { NetworkBinding } from '../engine.js'
import { awslogsOptions, createLogStream, streamName } from '../startup/awslogs.js'
import { StartupFailure } from '../startup/failure.js'
import { LogShipper } from '../startup/log-shipper.js'
import {
  containerEnvironment, createBody, dockerJson, logConfigOf, networkModeOf
} from './container-config.js'
import { containerLabels } from './labels.js'
import {
  STOP_TIMEOUT_SECONDS, pullCredentials, taskRegion, within, type Runtime
} from './runtime.js'
import { daemonMessage, dockerNameFor, startIgnoringStarted, type Prepared } from './startup.js'
import type { ContainerState, HealthStatus, ManagedTask } from './state.js'
import { bindsFor } from './volumes.js'
import { DEFAULT_NETWORK } from '../host-network.js'

export const definitionOf = (mt: ManagedTask, name: string): AcsContainer | undefined =>
  mt.state.task.containers.find(d => d.name === name)

const statusOf = (e: unknown): number | undefined => (e as { statusCode?: number }).statusCode

/** Creates (unless created), makes the log stream, starts; throws a StartupFailure. */
export async function startContainer (rt: Runtime, mt: ManagedTask, c: ContainerState,
  prepared: Prepared): Promise<void> {
  const def = definitionOf(mt, c.name)!
  if (c.dockerId === undefined) await create(rt, mt, c, def, prepared)
  await createStream(rt, mt, c, def)
  const container = rt.docker.getContainer(c.dockerId!)
  try {
    await startIgnoringStarted(container)
  } catch (e) {
    throw new StartupFailure(`CannotStartContainerError: Error response from daemon: ${daemonMessage(e)}`, [c.name])
  }
  const info = await container.inspect()
  c.startedAt = info.State.StartedAt
  observe(rt, mt, c, info)
  // Waited for: an application that calls 169.254.170.2 at once must find the route there.
  if (networkModeOf(mt.state.task) === 'bridge' && info.State.Running) await rt.routeContainer(c)
  if (c.known !== 'STOPPED') c.known = info.State.Running ? 'RUNNING' : c.known
  if (def.healthCheckType === 'docker' && c.health === undefined) {
    c.health = 'UNKNOWN'
    c.healthSince = new Date().toISOString()
  }
  rt.save(mt)
  await ship(rt, mt, c)
  if (!info.State.Running) await handleExit(rt, mt, c)
}

async function create (rt: Runtime, mt: ManagedTask, c: ContainerState, def: AcsContainer,
  prepared: Prepared): Promise<void> {
  const task = mt.state.task
  const mode = networkModeOf(task)
  const loopback = mode === 'host'
  const env = containerEnvironment(task, def, {
    endpointBase: loopback ? `http://127.0.0.1:${rt.endpointPort}` : 'http://169.254.170.2',
    loopback,
    metadataId: c.metadataId,
    region: taskRegion(rt, mt),
    imageEnv: prepared.images.get(c.name)?.env ?? [],
    secrets: prepared.secrets.environment.get(c.name) ?? {}
  })
  const name = dockerNameFor(mt, c.name)
  const body = createBody(task, def, {
    name,
    labels: containerLabels(task, c.name, rt.labels),
    env,
    mode,
    networkName: rt.networkName,
    pauseId: mt.state.pause?.dockerId,
    binds: bindsFor(def, prepared.sources),
    volumesFrom: volumesFrom(mt, def),
    links: mode === 'bridge' ? links(mt, def) : [],
    logConfig: dockerLogConfig(def, prepared.secrets.logOptions.get(c.name))
  })
  try {
    const created = await rt.docker.createContainer(body)
    c.dockerId = created.id
  } catch (e) {
    throw new StartupFailure(`CannotCreateContainerError: Error response from daemon: ${daemonMessage(e)}`, [c.name])
  }
  c.dockerName = name
  c.known = 'CREATED'
  rt.indexContainer(mt, c)
  rt.save(mt)
}

/** `<the source container's Docker name>[:ro]` for each volumesFrom. */
function volumesFrom (mt: ManagedTask, def: AcsContainer): string[] {
  return (def.volumesFrom ?? []).flatMap(v => {
    const source = v.sourceContainer === undefined ? undefined : mt.container(v.sourceContainer)
    if (source?.dockerName === undefined) return []
    return [`${source.dockerName}${v.readOnly === true ? ':ro' : ''}`]
  })
}

/** `name[:alias]` → `<the linked container's Docker name>:<alias or name>`. */
function links (mt: ManagedTask, def: AcsContainer): string[] {
  return (def.links ?? []).flatMap(link => {
    const [name, alias] = link.split(':')
    const target = mt.container(name)?.dockerName
    return target === undefined ? [] : [`${target}:${alias ?? name}`]
  })
}

/**
 * awslogs is shipped by the agent, so Docker keeps the output (json-file) for it to read; any
 * other driver goes to Docker as given, with its secret options filled in.
 */
function dockerLogConfig (def: AcsContainer, secretOptions: Record<string, string> | undefined) {
  const config = logConfigOf(def)
  if (config === undefined || config.Type === 'awslogs') return undefined
  return { Type: config.Type, Config: { ...(config.Config ?? {}), ...(secretOptions ?? {}) } }
}

async function createStream (rt: Runtime, mt: ManagedTask, c: ContainerState,
  def: AcsContainer): Promise<void> {
  const options = awslogsOptions(logConfigOf(def), taskRegion(rt, mt))
  if (options === undefined || c.logs !== undefined) return
  const stream = streamName(options, c.name, mt.state.taskId, c.dockerId!)
  try {
    await createLogStream(options, stream, {
      clients: rt.clients,
      credentials: logsCredentials(rt, mt),
      launchType: mt.state.task.launchType,
      ownRegion: rt.options.region
    })
  } catch (e) {
    if (e instanceof StartupFailure) throw new StartupFailure(e.reason, [c.name])
    throw e
  }
  c.logs = { group: options.group, stream, region: options.region }
  rt.save(mt)
}

/** The execution role (`logsAuthStrategy: ExecutionRole`), else the instance role. */
const logsCredentials = (rt: Runtime, mt: ManagedTask) => pullCredentials(rt, mt)

/** Starts shipping the container's output (from where an earlier run of the agent stopped). */
export async function ship (rt: Runtime, mt: ManagedTask, c: ContainerState): Promise<void> {
  if (c.logs === undefined || c.dockerId === undefined || mt.shippers.has(c.name)) return
  const def = definitionOf(mt, c.name)
  const logs = c.logs
  const shipper = new LogShipper({
    docker: rt.docker,
    containerId: c.dockerId,
    tty: dockerJson(def?.dockerConfig?.config).Tty === true,
    group: logs.group,
    stream: logs.stream,
    region: logs.region,
    clients: rt.clients,
    credentials: logsCredentials(rt, mt),
    log: rt.log,
    after: logs.shippedNs === undefined ? undefined : BigInt(logs.shippedNs),
    onShipped: last => {
      logs.shippedNs = String(last)
      if (!rt.closed) rt.save(mt)
    }
  })
  mt.shippers.set(c.name, shipper)
  await shipper.start()
}

/** What inspect says of a running container: addresses, ports, mounts, times. */
export function observe (rt: Runtime, mt: ManagedTask, c: ContainerState,
  info: Docker.ContainerInspectInfo): void {
  const mode = networkModeOf(mt.state.task)
  c.createdAt = info.Created
  if (info.State.StartedAt !== '0001-01-01T00:00:00Z') c.startedAt = info.State.StartedAt
  c.ipv4 = mode === 'awsvpc'
    ? mt.state.pause?.ipv4
    : info.NetworkSettings.Networks?.[DEFAULT_NETWORK]?.IPAddress
  c.volumes = (info.Mounts ?? []).map(m => {
    const name = m.Name !== undefined && m.Name !== '' ? { DockerName: m.Name } : {}
    return { ...name, Source: m.Source, Destination: m.Destination }
  })
  c.networkBindings = bindingsOf(mode, definitionOf(mt, c.name), info)
}

function bindingsOf (mode: string, def: AcsContainer | undefined,
  info: Docker.ContainerInspectInfo): NetworkBinding[] | undefined {
  if (mode === 'host') {
    return (def?.portMappings ?? []).filter(p => p.containerPort !== undefined).map(p => ({
      bindIP: '0.0.0.0',
      containerPort: p.containerPort!,
      hostPort: p.hostPort || p.containerPort!,
      protocol: p.protocol ?? 'tcp'
    }))
  }
  if (mode !== 'bridge') return undefined
  const out: NetworkBinding[] = []
  for (const [key, bound] of Object.entries(info.NetworkSettings.Ports ?? {})) {
    const [port, protocol] = key.split('/')
    for (const b of bound ?? []) {
      if (b.HostIp.includes(':')) continue // the IPv6 twin of the same binding
      out.push({
        bindIP: b.HostIp || '0.0.0.0',
        containerPort: Number(port),
        hostPort: Number(b.HostPort),
        protocol: protocol as 'tcp' | 'udp'
      })
    }
  }
  return out
}

const stopped = (c: ContainerState): boolean => c.known === 'STOPPED'

/** The container exited: its exit code, and for an essential one, the task stops. */
export async function handleExit (rt: Runtime, mt: ManagedTask, c: ContainerState): Promise<void> {
  if (c.known === 'STOPPED' || c.dockerId === undefined || mt.restarting.has(c.name)) return
  let info: Docker.ContainerInspectInfo | undefined
  try {
    info = await rt.docker.getContainer(c.dockerId).inspect()
  } catch (e) {
    if (statusOf(e) !== 404) throw e
  }
  // Another exit report may have been handled while inspect ran.
  if (stopped(c) || info?.State.Running === true || mt.restarting.has(c.name)) return
  if (info !== undefined && shouldRestart(rt, mt, c, info.State.ExitCode)) {
    mt.restarting.add(c.name)
    let restarted: boolean
    try {
      restarted = await restart(rt, mt, c)
    } finally {
      mt.restarting.delete(c.name)
    }
    // An exit while it restarted (a stop, or a run shorter than the period) was passed over.
    if (restarted) return await handleExit(rt, mt, c)
  }
  c.known = 'STOPPED'
  void rt.unrouteContainer(c)
  if (info !== undefined) {
    c.exitCode = info.State.ExitCode
    c.finishedAt = info.State.FinishedAt
    if (info.State.OOMKilled) c.reason ??= 'OutOfMemoryError: Container killed due to memory usage'
  }
  rt.save(mt)
  const def = definitionOf(mt, c.name)
  if (c.kind === 'NORMAL' && def?.essential !== false) {
    beginStop(rt, mt, 'Essential container in task exited')
  }
  mt.changed()
  refresh(rt, mt)
}

/** restartAttemptPeriod when the definition leaves it out (ECS's default). */
const RESTART_ATTEMPT_PERIOD_S = 300
/** How long a restart waits for the last run's output to be sent. */
const SHIPPED_LIMIT_MS = 5_000

/**
 * The definition's restartPolicy, as the ECS agent reads it: a container that exits while its
 * task is to keep running, with a code the policy does not ignore, is restarted if it has run
 * restartAttemptPeriod (scaled by the agent's time scale) since it started or was last restarted.
 */
function shouldRestart (rt: Runtime, mt: ManagedTask, c: ContainerState, exitCode: number): boolean {
  const policy = definitionOf(mt, c.name)?.restartPolicy
  if (policy?.enabled !== true || mt.state.desired === 'STOPPED' || mt.state.stopping) return false
  if ((policy.ignoredExitCodes ?? []).includes(exitCode)) return false
  const since = Date.parse(c.lastRestartAt ?? c.startedAt ?? '')
  const periodMs = (policy.restartAttemptPeriod ?? RESTART_ATTEMPT_PERIOD_S) * 1000 * (rt.options.timeScale ?? 1)
  return Number.isFinite(since) && Date.now() - since >= periodMs
}

/**
 * Starts the same container again, as the ECS agent does: the task is not told of the exit, its
 * output goes on into the same log stream. False (the exit then counts) when Docker refuses.
 */
async function restart (rt: Runtime, mt: ManagedTask, c: ContainerState): Promise<boolean> {
  // The last run's lines are sent before the next run's are read, so none is sent twice (if
  // they take longer than the limit, some may be).
  const shipper = mt.shippers.get(c.name)
  if (shipper !== undefined) await within(shipper.finished(), SHIPPED_LIMIT_MS)
  // Told to stop meanwhile: the exit counts.
  if (mt.state.desired === 'STOPPED' || mt.state.stopping) return false
  mt.shippers.delete(c.name)
  c.restartCount = (c.restartCount ?? 0) + 1
  c.lastRestartAt = new Date().toISOString()
  const fields = { task: mt.arn, container: c.name, restartCount: c.restartCount, lastRestartAt: c.lastRestartAt }
  const bridge = networkModeOf(mt.state.task) === 'bridge'
  // Docker may give the container another address: 169.254.170.2 is routed from the new one.
  if (bridge) await rt.unrouteContainer(c)
  const container = rt.docker.getContainer(c.dockerId!)
  let info: Docker.ContainerInspectInfo
  try {
    await startIgnoringStarted(container)
    info = await container.inspect()
  } catch (e) {
    rt.log.error({ ...fields, err: e }, 'Restart container failed')
    return false
  }
  c.startedAt = info.State.StartedAt
  delete c.exitCode
  delete c.finishedAt
  observe(rt, mt, c, info)
  if (bridge && info.State.Running) await rt.routeContainer(c)
  rt.save(mt)
  await ship(rt, mt, c)
  rt.log.info(fields, 'Restarted container')
  mt.changed()
  return true
}

export function handleHealth (rt: Runtime, mt: ManagedTask, c: ContainerState,
  status: HealthStatus): void {
  if (c.health === status) return
  c.health = status
  c.healthSince = new Date().toISOString()
  rt.save(mt)
  mt.changed()
  if (rt.closed) return
  rt.options.reportHealth({
    taskArn: mt.arn,
    family: mt.state.task.family,
    version: mt.state.task.version,
    containers: mt.state.containers.filter(x => x.health !== undefined).map(x => ({
      containerName: x.name, healthStatus: x.health!, statusSince: new Date(x.healthSince!)
    }))
  })
}

/** Marks the task as stopping (once): the lifecycle then stops every container. */
export function beginStop (rt: Runtime, mt: ManagedTask, reason?: string): void {
  if (mt.state.stopping) return
  mt.state.stopping = true
  mt.state.reason ??= reason
  rt.save(mt)
  mt.changed()
}

/**
 * RUNNING once every essential container has been started (one that ran and exited at once
 * still made the task RUNNING, as on the real agent); otherwise the same status with news.
 */
export function refresh (rt: Runtime, mt: ManagedTask): void {
  const s = mt.state
  if (s.sent === 'NONE' || s.sent === 'STOPPED') return
  const essentials = s.containers.filter(c => definitionOf(mt, c.name)?.essential !== false)
  const started = (c: ContainerState) => c.startedAt !== undefined && (c.known === 'RUNNING' || c.known === 'STOPPED')
  rt.report(mt, s.sent === 'PENDING' && essentials.every(started) ? 'RUNNING' : s.sent)
}

/** `docker stop -t stopTimeout` (SIGTERM, SIGKILL after it), then the exit is recorded. */
export async function stopContainer (rt: Runtime, mt: ManagedTask, c: ContainerState,
  seconds?: number): Promise<void> {
  if (c.dockerId === undefined) return
  const t = seconds ?? definitionOf(mt, c.name)?.stopTimeout ?? STOP_TIMEOUT_SECONDS
  try {
    await rt.docker.getContainer(c.dockerId).stop({ t })
  } catch (e) {
    // 304: stopped already; 404: gone.
    if (statusOf(e) !== 304 && statusOf(e) !== 404) throw e
  }
  await handleExit(rt, mt, c)
  if (c.known !== 'STOPPED') {
    c.known = 'STOPPED'
    rt.save(mt)
  }
}
