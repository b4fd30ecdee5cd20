/**
 * The task's start-up steps before its containers are created, in the agent's order: private
 * registry credentials, images ("pull", with the ECR calls as the execution role), secrets,
 * EFS mounts (asked of the control plane, as the task role when IAM authorization is on),
 * volumes, and for awsvpc the pause container that holds the task's network namespace. Only
 * containers not created yet are prepared (an adopted task may have some already).
 */
import { randomBytes } from 'node:crypto'
import type Docker from 'dockerode'
import { StartupFailure } from '../startup/failure.js'
import { resolveImage, type ResolvedImage } from '../startup/images.js'
import { resolveRegistryAuth } from '../startup/registry-auth.js'
import { resolveSecrets, type ResolvedSecrets } from '../startup/secrets.js'
import { networkModeOf, pauseBody } from './container-config.js'
import { mountEfsVolumes } from './efs.js'
import { PAUSE_CONTAINER, PAUSE_IMAGE, containerLabels, volumeLabels } from './labels.js'
import {
  executionCredentials, now, pullCredentials, taskRegion, type Runtime
} from './runtime.js'
import type { ContainerState, ManagedTask } from './state.js'
import { prepareVolumes, type VolumeSources } from './volumes.js'

export interface Prepared {
  images: Map<string, ResolvedImage>
  secrets: ResolvedSecrets
  sources: VolumeSources
}

export async function prepareTask (rt: Runtime, mt: ManagedTask): Promise<Prepared> {
  const todo = mt.state.containers.filter(c => c.dockerId === undefined)
  const region = taskRegion(rt, mt)
  const containers = mt.state.task.containers.filter(c => todo.some(t => t.name === c.name))
  const task = { ...mt.state.task, containers }
  const asExecutionRole = {
    clients: rt.clients, credentials: executionCredentials(mt), region, launchType: task.launchType
  }
  // Read, and refused as the ECS agent refuses them; no registry but the emulator's is reached,
  // so a private registry's image must be on this engine already.
  await resolveRegistryAuth(task, asExecutionRole)
  const images = await pullImages(rt, mt, todo)
  mt.state.pullStoppedAt ??= now()
  rt.save(mt)
  if (mt.state.sent === 'PENDING') rt.report(mt, 'PENDING')

  const secrets = await resolveSecrets(task, asExecutionRole)
  const efs = await mountEfsVolumes({ endpoint: rt.options.endpoint, task: mt.state.task, region },
    todo.map(c => c.name))
  const volumes = await prepareVolumes({
    docker: rt.docker, task: mt.state.task, taskId: mt.state.taskId, efs,
    labels: volumeLabels(mt.state.task, rt.labels)
  }).catch((e: unknown) => {
    throw new StartupFailure(`CannotCreateVolumeError: Error response from daemon: ${daemonMessage(e)}`)
  })
  mt.state.volumes = [...new Set([...mt.state.volumes, ...volumes.taskScoped])]
  rt.save(mt)
  if (networkModeOf(mt.state.task) === 'awsvpc') await startPause(rt, mt)
  return { images, secrets, sources: volumes.sources }
}

async function pullImages (rt: Runtime, mt: ManagedTask,
  todo: ContainerState[]): Promise<Map<string, ResolvedImage>> {
  const out = new Map<string, ResolvedImage>()
  const ctx = {
    docker: rt.docker, clients: rt.clients, credentials: pullCredentials(rt, mt),
    launchType: mt.state.task.launchType, registry: rt.registry, log: rt.log, taskArn: mt.arn
  }
  for (const c of todo) {
    const def = mt.state.task.containers.find(d => d.name === c.name)!
    try {
      const image = await resolveImage(def.image, ctx, def.registryAuthentication?.ecrAuthData)
      c.imageId = image.imageId
      c.imageDigest = image.imageDigest
      out.set(c.name, image)
    } catch (e) {
      if (e instanceof StartupFailure) throw new StartupFailure(e.reason, [c.name])
      throw e
    }
  }
  return out
}

/** `ecs-FAMILY-REV-NAME-<20 hex>`, the real agent's container names. */
export const dockerNameFor = (mt: ManagedTask, name: string): string =>
  `ecs-${mt.state.task.family}-${mt.state.task.version}-${name.replace(/[^a-zA-Z0-9_.-]/g, '')}-${randomBytes(10).toString('hex')}`

/** The pause container: created once, started, and its address read back. */
async function startPause (rt: Runtime, mt: ManagedTask): Promise<void> {
  const p = mt.state.pause!
  if (p.dockerId === undefined) {
    const image = await resolveImage(PAUSE_IMAGE, {
      docker: rt.docker, clients: rt.clients, credentials: rt.options.instanceCredentials,
      launchType: mt.state.task.launchType
    })
    p.imageId = image.imageId
    const name = `ecs-${mt.state.task.family}-${mt.state.task.version}-internalecspause-${randomBytes(10).toString('hex')}`
    const labels = containerLabels(mt.state.task, PAUSE_CONTAINER, rt.labels)
    const body = pauseBody(name, labels, rt.networkName, PAUSE_IMAGE, mt.state.task)
    const created = await rt.docker.createContainer(body).catch((e: unknown) => {
        throw new StartupFailure(`CannotCreateContainerError: Error response from daemon: ${daemonMessage(e)}`)
      })
    p.dockerId = created.id
    p.dockerName = name
    p.known = 'CREATED'
    rt.indexContainer(mt, p)
    rt.save(mt)
  }
  const container = rt.docker.getContainer(p.dockerId)
  await startIgnoringStarted(container).catch((e: unknown) => {
    throw new StartupFailure(`CannotStartContainerError: Error response from daemon: ${daemonMessage(e)}`)
  })
  const info = await container.inspect()
  const net = info.NetworkSettings.Networks[rt.networkName]
  p.createdAt = info.Created
  p.startedAt = info.State.StartedAt
  p.ipv4 = net?.IPAddress
  p.mac = net?.MacAddress
  p.gateway = net?.Gateway
  p.subnet = net === undefined ? undefined : cidrOf(net.IPAddress, net.IPPrefixLen)
  p.known = 'RUNNING'
  rt.save(mt)
}

/** What the daemon said, without dockerode's `(HTTP code …)` framing. */
export const daemonMessage = (e: unknown): string =>
  (e as { json?: { message?: string } }).json?.message ?? (e as Error).message

export async function startIgnoringStarted (container: Docker.Container): Promise<void> {
  try {
    await container.start()
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode !== 304) throw e
  }
}

/** `172.18.0.5`, 16 → `172.18.0.0/16`. */
function cidrOf (ip: string, prefix: number): string | undefined {
  const parts = ip.split('.').map(Number)
  if (parts.length !== 4 || parts.some(n => Number.isNaN(n))) return undefined
  const value = parts.reduce((a, n) => (a << 8) + n, 0) >>> 0
  const mask = prefix === 0 ? 0 : (~0 << (32 - prefix)) >>> 0
  const network = (value & mask) >>> 0
  return `${[24, 16, 8, 0].map(s => (network >>> s) & 255).join('.')}/${prefix}`
}
