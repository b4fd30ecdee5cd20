/**
 * The Docker engine the agent runs tasks on: a dockerode client for `--docker-host` (or
 * DOCKER_HOST, or the default socket), and what the engine reports of itself for
 * registration (`GET /info`, `GET /version`).
 */
import Docker from 'dockerode'
import type { DockerHost } from './capabilities.js'

const PROBE_TIMEOUT_MS = 10_000

export class DockerUnreachable extends Error {
  readonly code = 'ECS_EMULATOR_AGENT_DOCKER_UNREACHABLE'
}

/** `unix:///var/run/docker.sock`, `tcp://host:2375`, `http(s)://host:port`, or the default. */
export function dockerClient (dockerHost: string | undefined): Docker {
  if (dockerHost === undefined) return new Docker({ socketPath: '/var/run/docker.sock' })
  if (dockerHost.startsWith('unix://')) return new Docker({ socketPath: dockerHost.slice('unix://'.length) })
  if (dockerHost.startsWith('/')) return new Docker({ socketPath: dockerHost })
  const url = new URL(dockerHost.replace(/^tcp:/, 'http:'))
  const protocol = url.protocol === 'https:' ? 'https' : 'http'
  return new Docker({ host: url.hostname, port: url.port === '' ? 2375 : Number(url.port), protocol })
}

/** What registration needs; DockerUnreachable when the engine does not answer. */
export async function probeDocker (docker: Docker, where: string): Promise<DockerHost> {
  const timeout = new Promise<never>((_, reject) => {
    setTimeout(() => reject(new Error(`no answer in ${PROBE_TIMEOUT_MS / 1000} s`)), PROBE_TIMEOUT_MS).unref()
  })
  try {
    const [info, version] = await Promise.race([Promise.all([docker.info(), docker.version()]), timeout]) as
      [{ NCPU: number, MemTotal: number, ServerVersion: string }, { ApiVersion: string, MinAPIVersion?: string }]
    return {
      ncpu: info.NCPU,
      memTotal: info.MemTotal,
      serverVersion: info.ServerVersion,
      apiVersion: version.ApiVersion,
      minApiVersion: version.MinAPIVersion ?? '1.12'
    }
  } catch (e) {
    const cause = (e as { code?: string }).code ?? (e as Error).message
    throw new DockerUnreachable(`the Docker engine at ${where} is not reachable (${cause})`)
  }
}
