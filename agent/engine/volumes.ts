/**
 * A task's volumes as mounts: a host `sourcePath` is bind-mounted; a host volume without one
 * and a `task`-scoped Docker volume become a Docker volume made for the task and removed with
 * it; a `shared` Docker volume is made once (autoprovisioned) and kept; an EFS volume is
 * emulated by a local directory per file system, `<dataDir>/efs/<fileSystemId>/<rootDirectory>`
 * (no NFS, no access points, no IAM authorization: marked as a shortcoming).
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type Docker from 'dockerode'
import type { AcsContainer, AcsTask, AcsVolume } from '../acs-task.js'

export interface VolumeContext {
  docker: Docker
  task: AcsTask
  taskId: string
  dataDir: string
  labels: Record<string, string>
}

/** Volume name → what a mount point of it binds (a host path or a Docker volume name). */
export type VolumeSources = Map<string, string>

export interface PreparedVolumes {
  sources: VolumeSources
  /** Task-scoped Docker volumes, to remove with the task. */
  taskScoped: string[]
}

export async function prepareVolumes (ctx: VolumeContext): Promise<PreparedVolumes> {
  const out: PreparedVolumes = { sources: new Map(), taskScoped: [] }
  for (const v of ctx.task.volumes ?? []) {
    const kind = kindOf(v)
    if (kind === 'bind') {
      out.sources.set(v.name, v.host!.sourcePath!)
    } else if (kind === 'efs') {
      out.sources.set(v.name, efsDirectory(ctx.dataDir, v))
    } else if (kind === 'shared') {
      await createVolume(ctx.docker, v.name, v, ctx.labels)
      out.sources.set(v.name, v.name)
    } else {
      const name = taskVolumeName(ctx.task, v.name, ctx.taskId)
      await createVolume(ctx.docker, name, v, ctx.labels)
      out.sources.set(v.name, name)
      out.taskScoped.push(name)
    }
  }
  return out
}

type Kind = 'bind' | 'efs' | 'shared' | 'task'

function kindOf (v: AcsVolume): Kind {
  if (v.type === 'efs' || v.efsVolumeConfiguration !== undefined) return 'efs'
  if (v.type === 'docker' || v.dockerVolumeConfiguration !== undefined) {
    return v.dockerVolumeConfiguration?.scope === 'shared' ? 'shared' : 'task'
  }
  return v.host?.sourcePath !== undefined && v.host.sourcePath !== '' ? 'bind' : 'task'
}

/** The real agent's pattern, `ecs-FAMILY-REV-VOLUME-…`, ended by the task id (stable across restarts). */
const taskVolumeName = (task: AcsTask, volume: string, taskId: string): string =>
  `ecs-${task.family}-${task.version}-${volume}-${taskId}`

function efsDirectory (dataDir: string, v: AcsVolume): string {
  const efs = v.efsVolumeConfiguration ?? {}
  const dir = join(dataDir, 'efs', efs.fileSystemId ?? 'unknown', efs.rootDirectory ?? '/')
  mkdirSync(dir, { recursive: true })
  return dir
}

/** Docker answers a create of an existing name with that volume: this is idempotent. */
async function createVolume (docker: Docker, name: string, v: AcsVolume,
  labels: Record<string, string>): Promise<void> {
  const c = v.dockerVolumeConfiguration ?? {}
  await docker.createVolume({
    Name: name,
    Driver: c.driver ?? 'local',
    DriverOpts: c.driverOpts ?? {},
    Labels: { ...(c.labels ?? {}), ...labels }
  })
}

/** `SOURCE:DESTINATION[:ro]` for each mount point whose volume the task declares. */
export function bindsFor (c: AcsContainer, sources: VolumeSources): string[] {
  return (c.mountPoints ?? []).flatMap(m => {
    const source = m.sourceVolume === undefined ? undefined : sources.get(m.sourceVolume)
    if (source === undefined || m.containerPath === undefined) return []
    return [`${source}:${m.containerPath}${m.readOnly === true ? ':ro' : ''}`]
  })
}

export async function removeVolumes (docker: Docker, names: string[]): Promise<void> {
  for (const name of names) {
    try {
      await docker.getVolume(name).remove()
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode !== 404) throw e
    }
  }
}
