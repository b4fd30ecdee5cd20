/**
 * Whether the Docker engine answers, asked the way the agent asks it (agent/docker-host.ts),
 * before a command that needs it goes on: `up` with its built-in agent, `drill`.
 */
import type { CommandIo } from './io.js'

export const DOCKER_NOT_RUNNING =
  'Docker is not running: start it with `sudo systemctl start docker` (or `dockerd &`)'

/** The engine the agent would use: its own setting, else DOCKER_HOST, else the socket. */
export const dockerHostOf = (env: CommandIo['env']): string | undefined =>
  nonEmpty(env.ECS_EMULATOR_AGENT_DOCKER_HOST) ?? nonEmpty(env.DOCKER_HOST)

/** undefined when the engine answers; else what is wrong and what to do, in one sentence. */
export async function dockerProblem (env: CommandIo['env']): Promise<string | undefined> {
  // Loaded here: dockerode stays off the server's start-up path.
  const { dockerClient, probeDocker } = await import('../../agent/docker-host.js')
  const host = dockerHostOf(env)
  const where = host ?? 'unix:///var/run/docker.sock'
  try {
    await probeDocker(dockerClient(host), where)
    return undefined
  } catch (e) {
    const reason = (e as Error).message
    if (/EACCES/.test(reason)) {
      return `Docker runs, but this user may not use it (${reason}): add the user to the docker group ` +
        '(`sudo usermod -aG docker $USER`, then log in again), or set DOCKER_HOST'
    }
    return `${DOCKER_NOT_RUNNING} (${reason})`
  }
}

const nonEmpty = (v: string | undefined): string | undefined => v === undefined || v === '' ? undefined : v
