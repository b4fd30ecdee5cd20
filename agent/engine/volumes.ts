/**
 * A task's volumes as mounts: a host `sourcePath` is bind-mounted; a host volume without one
 * and a `task`-scoped Docker volume become a Docker volume made for the task and removed with
 * it; a `shared` Docker volume is made once (autoprovisioned) and kept; an EFS volume binds
 * the host directory the control plane answered for its mount (efs.ts), read-only when the
 * mount is.
 */
import type Docker from 'dockerode'
import type { AcsContainer, AcsTask, AcsVolume } from '../acs-task.js'
import { isEfs, type EfsMount } from './efs.js'

export interface VolumeContext {
  docker: Docker
  task: AcsTask
  taskId: string
  labels: Record<string, string>
  /** The task's EFS volumes as mounted (efs.ts), by volume name. */
  efs: Map<string, EfsMount>
}

/** What a mount point of a volume binds: a host path or a Docker volume name. */
export interface VolumeSource {
  source: string
  /** Bound read-only whatever the mount point says (an EFS mount without write access). */
  readOnly?: boolean
}

/** Volume name → what a mount point of it binds. */
export type VolumeSources = Map<string, VolumeSource>

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
      out.sources.set(v.name, { source: v.host!.sourcePath! })
    } else if (kind === 'efs') {
      const mounted = ctx.efs.get(v.name)
      if (mounted === undefined) continue
      out.sources.set(v.name, { source: mounted.hostPath, readOnly: mounted.readOnly })
    } else if (kind === 'shared') {
      await createVolume(ctx.docker, v.name, v, ctx.labels)
      out.sources.set(v.name, { source: v.name })
    } else {
      const name = taskVolumeName(ctx.task, v.name, ctx.taskId)
      await createVolume(ctx.docker, name, v, ctx.labels)
      out.sources.set(v.name, { source: name })
      out.taskScoped.push(name)
    }
  }
  return out
}

type Kind = 'bind' | 'efs' | 'shared' | 'task'

function kindOf (v: AcsVolume): Kind {
  if (isEfs(v)) return 'efs'
  if (v.type === 'docker' || v.dockerVolumeConfiguration !== undefined) {
    return v.dockerVolumeConfiguration?.scope === 'shared' ? 'shared' : 'task'
  }
  return v.host?.sourcePath !== undefined && v.host.sourcePath !== '' ? 'bind' : 'task'
}

/** The real agent's pattern, `ecs-FAMILY-REV-VOLUME-…`, ended by the task id (stable across restarts). */
const taskVolumeName = (task: AcsTask, volume: string, taskId: string): string =>
  `ecs-${task.family}-${task.version}-${volume}-${taskId}`

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
    const found = m.sourceVolume === undefined ? undefined : sources.get(m.sourceVolume)
    if (found === undefined || m.containerPath === undefined) return []
    const readOnly = m.readOnly === true || found.readOnly === true
    return [`${found.source}:${m.containerPath}${readOnly ? ':ro' : ''}`]
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
