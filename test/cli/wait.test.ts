/**
 * `ecs-emulator wait`: the AWS CLI's ECS waiters (botocore's acceptors and failure reasons)
 * against an emulator with an agent on the local Docker engine, with progress on stderr.
 */
import { describe, expect, it } from 'vitest'
import {
  CreateClusterCommand, CreateServiceCommand, DeleteServiceCommand, RegisterTaskDefinitionCommand, RunTaskCommand,
  StopTaskCommand, type ContainerDefinition
} from '@aws-sdk/client-ecs'
import { WAIT_USAGE, waitCommand } from '../../src/commands/wait.js'
import { noEmulatorMessage } from '../../src/commands/io.js'
import { useAgent } from '../support/agent.js'
import { DOCKER_SKIP, IMAGES, hasDocker } from '../support/docker.js'
import { useEmulator } from '../support/emulator.js'
import { captured, deadEndpoint } from './support.js'

const CLUSTER = 'waits'
const t = useEmulator({ agent: false })

const env = (): Record<string, string> => ({
  AWS_ENDPOINT_URL: t.emu.url, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1'
})

async function wait (...argv: string[]): Promise<{ code: number, out: string, err: string }> {
  const c = captured(env())
  const code = await waitCommand(['--cluster', CLUSTER, '--interval', '0.1', ...argv], c.io)
  return { code, out: c.out(), err: c.err() }
}

async function register (family: string, container: Partial<ContainerDefinition>): Promise<void> {
  await t.ecs.send(new RegisterTaskDefinitionCommand({
    family, networkMode: 'bridge',
    containerDefinitions: [{ name: 'main', image: IMAGES.busybox, memory: 16, essential: true, stopTimeout: 1, ...container }]
  }))
}

async function run (family: string): Promise<string> {
  const { tasks } = await t.ecs.send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: family }))
  return tasks![0].taskArn!
}

const short = (arn: string): string => `${arn.split('/').pop()!.slice(0, 8)}…`

describe('wait: usage', () => {
  it('shows its usage and examples with --help, and exits 0', async () => {
    const c = captured()
    expect(await waitCommand(['--help'], c.io)).toBe(0)
    expect(c.out()).toMatch(/^usage: ecs-emulator wait services-stable/)
    expect(c.out()).toContain('\nexamples:\n  ecs-emulator wait services-stable --cluster demo --services web\n')
  })

  it.each([
    [[], 'which waiter? one of services-stable, tasks-running, tasks-stopped'],
    [['services-ready', '--services', 'web'], 'unknown waiter \'services-ready\': one of services-stable, tasks-running, tasks-stopped'],
    [['tasks-running'], 'tasks-running needs --tasks with at least one task'],
    [['services-stable', '--services'], 'services-stable needs --services with at least one service'],
    [['services-stable', '--tasks', 'abc'], 'services-stable takes --services, not --tasks'],
    [['tasks-stopped', '--tasks', 'abc', '--timeout', 'soon'], '--timeout is a number of seconds above 0, not \'soon\''],
    [['tasks-stopped', '--tasks', 'abc', '--cluster'], '--cluster needs a value'],
    [['tasks-stopped', '--tasks', 'abc', '--colour'], 'unknown option --colour']
  ])('exits 2 with the usage for %j', async (argv, problem) => {
    const c = captured()
    expect(await waitCommand(argv, c.io)).toBe(2)
    expect(c.err()).toBe(`ecs-emulator wait: ${problem}\n\n${WAIT_USAGE}`)
  })

  it('exits 1 and says what to do when no emulator answers', async () => {
    const dead = await deadEndpoint()
    const c = captured({ AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' })
    expect(await waitCommand(['tasks-running', '--tasks', 'abc', '--endpoint', dead], c.io)).toBe(1)
    expect(c.err()).toBe(`ecs-emulator wait: ${noEmulatorMessage(dead)} (ECONNREFUSED)\n`)
  })
})

describe('wait: answers without tasks', () => {
  it('fails services-stable on a service that does not exist, in botocore\'s words', async () => {
    await t.ecs.send(new CreateClusterCommand({ clusterName: 'empty' }))
    const c = captured(env())
    expect(await waitCommand(['services-stable', '--cluster', 'empty', '--services', 'ghost'], c.io)).toBe(1)
    expect(c.err()).toContain('ecs-emulator wait: Waiter ServicesStable failed: Waiter encountered a terminal failure ' +
      'state: For expression "failures[].reason" we matched expected path: "MISSING" at least once\n')
    expect(c.err()).toContain(': MISSING')
  })

  it('fails on an API error as botocore does: the error\'s code and message', async () => {
    const c = captured(env())
    expect(await waitCommand(['tasks-running', '--cluster', 'nowhere', '--tasks', 'abc'], c.io)).toBe(1)
    expect(c.err()).toBe('ecs-emulator wait: Waiter TasksRunning failed: An error occurred ' +
      '(ClusterNotFoundException): Cluster not found.\n')
  })
})

describe.skipIf(!hasDocker)(`wait on the local Docker engine${DOCKER_SKIP}`, () => {
  useAgent(t, { cluster: CLUSTER, scope: 'cli-wait' })

  it('waits for tasks to run, then (after StopTask) to stop, saying each status', async () => {
    await register('wait-sleeps', { command: ['sleep', '60'] })
    const arn = await run('wait-sleeps')
    const running = await wait('tasks-running', '--tasks', arn)
    expect(running.code, running.err).toBe(0)
    expect(running.err.split('\n').at(-2)).toBe(`task ${short(arn)}: RUNNING`)
    expect(running.out).toBe(`running: ${short(arn)}\n`)

    await t.ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: arn, reason: 'enough' }))
    const stopped = await wait('tasks-stopped', '--tasks', arn.split('/').pop()!, '--json')
    expect(stopped.code, stopped.err).toBe(0)
    expect(stopped.err).toBe('')
    const result = JSON.parse(stopped.out) as { tasks: Array<{ lastStatus: string, stoppedReason: string }>, failures: unknown[] }
    expect(result.tasks.map(t => [t.lastStatus, t.stoppedReason])).toEqual([['STOPPED', 'enough']])
    expect(result.failures).toEqual([])
  }, 60_000)

  it('fails tasks-running when the task stops on its own, and says why and where to look', async () => {
    await register('wait-unpullable', { image: 'ecs-emulator/not-here:1' })
    const arn = await run('wait-unpullable')
    const r = await wait('tasks-running', '--tasks', arn)
    expect(r.code).toBe(1)
    expect(r.err).toContain('ecs-emulator wait: Waiter TasksRunning failed: Waiter encountered a terminal failure ' +
      'state: For expression "tasks[].lastStatus" we matched expected path: "STOPPED" at least once\n' +
      `  task ${short(arn)}: STOPPED (CannotPullContainerError: `)
    expect(r.err).toContain(`\n  why: ecs-emulator explain ${arn}\n`)
    expect(r.out).toBe('')
  }, 60_000)

  it('times out saying what is still not ready', async () => {
    await register('wait-long', { command: ['sleep', '60'] })
    const arn = await run('wait-long')
    const started = Date.now()
    const r = await wait('tasks-stopped', '--tasks', arn, '--timeout', '0.5')
    expect(r.code).toBe(1)
    expect(Date.now() - started).toBeLessThan(5000)
    expect(r.err).toMatch(new RegExp(`ecs-emulator wait: Waiter TasksStopped failed: not done after 0.5 s; ` +
      `still waiting for: task ${short(arn)}: (PENDING|RUNNING)\\n$`))
    await t.ecs.send(new StopTaskCommand({ cluster: CLUSTER, task: arn }))
  }, 60_000)

  it('waits for a service to be stable, with its counts, deployment and events as they change', async () => {
    await register('wait-web', { command: ['sleep', '60'] })
    await t.ecs.send(new CreateServiceCommand({
      cluster: CLUSTER, serviceName: 'web', taskDefinition: 'wait-web', desiredCount: 2
    }))
    const r = await wait('services-stable', '--services', 'web')
    expect(r.code, r.err).toBe(0)
    const lines = r.err.split('\n')
    // As botocore's acceptor: stable once 2 of 2 run in one deployment, rollout done or not.
    expect(lines.at(-2), r.err).toMatch(/^web: 2 of 2 running, 0 pending, deployment (IN_PROGRESS|COMPLETED)$/)
    expect(lines.some(l => /^web: [01] of 2 running, [0-2] pending, deployment IN_PROGRESS$/.test(l)), r.err).toBe(true)
    expect(lines.filter(l => l.startsWith('  (service web) has started 2 tasks: (task ')), r.err).toHaveLength(1)
    // Each line only when it changed.
    expect(new Set(lines).size).toBe(lines.length)
    expect(r.out).toBe('stable: web\n')

    const json = await wait('services-stable', '--services', 'web', '--json')
    expect(json.code).toBe(0)
    expect(json.err).toBe('')
    const body = JSON.parse(json.out) as { services: Array<{ serviceName: string, runningCount: number, deployments: unknown[] }> }
    expect(body.services.map(s => [s.serviceName, s.runningCount, s.deployments.length])).toEqual([['web', 2, 1]])
    await t.ecs.send(new DeleteServiceCommand({ cluster: CLUSTER, service: 'web', force: true }))
  }, 60_000)
})
