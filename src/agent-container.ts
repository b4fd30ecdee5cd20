/**
 * Agents as containers: how the control plane, itself in a container (docker-compose.yml),
 * starts the agent of an instance RunInstances launched. Each is a sibling container of the
 * emulator's own image on the host's engine, set up as the compose file's `agent` service is:
 * the host's network (its 169.254.170.2 rules must act where the task bridges are), NET_ADMIN,
 * the Docker socket, the host's /proc/sys/net, and the data directory at the same path as in
 * the control plane. Its output is read as a child process's would be (src/agent-launcher.ts).
 */
import { PassThrough } from 'node:stream'
import type Docker from 'dockerode'
import type { AgentRun } from './agent-launcher.js'
import type { Logger } from './log.js'

export interface AgentContainerSpec {
  /** The emulator's image (`ecs-emulator:local` in compose). */
  image: string
  /** The control plane's data directory: mounted at the same path, so its paths hold there too. */
  dataDir: string
  /** The Docker socket as the host names it (mounted at /var/run/docker.sock). */
  socket?: string
  /** Added to the agent container's environment (`NAME=value`). */
  env?: string[]
  /** Put on every agent container, with `ecs-emulator.agent=NAME`. */
  labels?: Record<string, string>
  /** More binds (`host:container[:ro]`); tests mount a checkout. */
  binds?: string[]
}

export const AGENT_CONTAINER_LABEL = 'ecs-emulator.agent'

/** The container of one agent run: `command` is the CLI's argv after `node`. */
export function runAgentContainer (docker: Docker, spec: AgentContainerSpec, name: string,
  command: string[], log: Logger): AgentRun {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  let container: Docker.Container | undefined
  let signalled: 'SIGTERM' | 'SIGKILL' | undefined
  const containerName = `ecs-emulator-agent-${name}`.replace(/[^a-zA-Z0-9_.-]/g, '-')

  const ended = (async (): Promise<{ code: number | null, signal: string | null }> => {
    try {
      // One of the same name left by a control plane that died: this run replaces it.
      await docker.getContainer(containerName).remove({ force: true, v: true }).catch(() => {})
      container = await docker.createContainer({
        name: containerName,
        Image: spec.image,
        Cmd: ['node', ...command],
        // The SDK's notice about its future Node versions is not the agent's news (as for a child).
        Env: ['ECS_EMULATOR_PROC_SYS=/host/proc/sys', 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true',
          ...(spec.env ?? [])],
        Labels: { ...spec.labels, [AGENT_CONTAINER_LABEL]: name },
        HostConfig: {
          NetworkMode: 'host',
          CapAdd: ['NET_ADMIN'],
          Binds: [
            `${spec.socket ?? '/var/run/docker.sock'}:/var/run/docker.sock`,
            '/proc/sys/net:/host/proc/sys/net',
            `${spec.dataDir}:${spec.dataDir}`,
            ...(spec.binds ?? [])
          ]
        }
      })
      const stream = await container.attach({ stream: true, stdout: true, stderr: true })
      const drained = new Promise(resolve => { stream.once('end', resolve); stream.once('close', resolve) })
      docker.modem.demuxStream(stream, stdout, stderr)
      await container.start()
      if (signalled !== undefined) await container.kill({ signal: signalled }).catch(() => {})
      const { StatusCode } = await container.wait() as { StatusCode: number }
      // The last lines are read before the run counts as ended, as a child process's 'close'.
      await Promise.race([drained, new Promise(resolve => setTimeout(resolve, 2_000).unref())])
      return { code: StatusCode, signal: null }
    } catch (e) {
      log.error({ container: containerName, err: (e as Error).message }, 'agent container could not run')
      return { code: null, signal: null }
    } finally {
      stdout.end()
      stderr.end()
      await container?.remove({ force: true, v: true }).catch(() => {})
    }
  })()

  return {
    stdout,
    stderr,
    id: containerName,
    ended,
    kill: signal => {
      signalled = signal
      void container?.kill({ signal }).catch(() => {})
    }
  }
}
