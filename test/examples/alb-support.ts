/**
 * What the examples/alb-web-service tests share: running `up.sh` (the README's commands) with
 * the AWS CLI, a request loop through the listener that counts status codes and which task
 * answered, each task's own answer (straight to its port, not through the listener), target
 * health, killing a container through dockerode, and a picture of the service for failure
 * messages (DescribeServices, DescribeTargetHealth, `GET /_emulator/services?arn=`).
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import {
  DescribeServicesCommand, DescribeTasksCommand, ListTasksCommand, type ECSClient, type Service,
  type Task
} from '@aws-sdk/client-ecs'
import { elbOk, members } from '../elbv2/client.js'
import { dockerode } from '../support/docker.js'
import { CLIS } from '../support/cli.js'
import { until } from '../agent/fake-engine.js'

export const EXAMPLE = fileURLToPath(new URL('../../examples/alb-web-service/', import.meta.url))
const ROOT = fileURLToPath(new URL('../../', import.meta.url))

// --- up.sh -----------------------------------------------------------------------------------

export interface UpResult { status: number, stdout: string, stderr: string, vars: Record<string, string> }

/**
 * Runs `examples/alb-web-service/up.sh` against `url` as `test`/`test` with the first AWS CLI
 * found on PATH; `vars` are the NAME=value lines it prints at the end.
 */
export async function runUp (url: string, env: Record<string, string> = {}): Promise<UpResult> {
  return await runBash([`${EXAMPLE}up.sh`], url, env)
}

async function runBash (args: string[], url: string, env: Record<string, string>): Promise<UpResult> {
  const cli = CLIS[0]
  const bin = cli === undefined ? '' : cli.bin.slice(0, cli.bin.lastIndexOf('/') + 1)
  const path = bin === '' ? process.env.PATH : `${bin}:${process.env.PATH ?? ''}`
  const r = await new Promise<{ status: number, stdout: string, stderr: string }>(resolve => {
    const child = execFile('bash', args, {
      encoding: 'utf8',
      timeout: 120_000,
      env: {
        PATH: path, HOME: process.env.HOME, AWS_ENDPOINT_URL: url, AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test', AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null',
        AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_PAGER: '', ...env
      }
    }, (error, stdout, stderr) =>
      resolve({ status: error === null ? 0 : (child.exitCode ?? 1), stdout, stderr }))
  })
  const vars = Object.fromEntries(r.stdout.split('\n')
    .map(l => /^([A-Z_]+)=(.*)$/.exec(l)).filter(m => m !== null).map(m => [m[1], m[2]]))
  return { ...r, vars }
}

/**
 * Runs the first `sh` block of README.md's "Run it" section from the repository's root (as a
 * reader pastes it, but stopping at the first failure), then prints what the tests need.
 * `pages` are the lines its closing curl loop printed.
 */
export async function runReadme (url: string): Promise<UpResult & { pages: string[] }> {
  const readme = readFileSync(`${EXAMPLE}README.md`, 'utf8')
  const section = readme.slice(readme.indexOf('## Run it'))
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1]
  if (block === undefined) throw new Error('README.md: no sh block under "## Run it"')
  const script = [
    'set -euo pipefail', `cd ${ROOT}`,
    // The endpoint is the test's emulator (already in the environment), not the default port.
    block.replace(/^export AWS_ENDPOINT_URL=\S+ /m, 'export '),
    'echo "TARGET_GROUP_ARN=$TG"', 'echo "LOAD_BALANCER_ARN=$LB"', 'echo "LISTENER_ARN=$LISTENER"',
    'echo "LISTENER_URL=http://127.0.0.1:$PORT"'
  ].join('\n')
  const r = await runBash(['-c', script], url, {})
  return { ...r, pages: r.stdout.split('\n').filter(l => /^\S+ v\d+$/.test(l)) }
}

// --- requests --------------------------------------------------------------------------------

export interface Answer {
  status: number
  /** The answering task's hostname (the page's first word), for a 200. */
  host?: string
  /** The page's second word: PAGE_VERSION of the task definition. */
  version?: string
  body: string
  /** When it was sent, ms since the loop (or the call) began. */
  sent: number
  /** When it was answered, ms since the loop (or the call) began. */
  at: number
}

export async function get (url: string, begin = Date.now()): Promise<Answer> {
  const sent = Date.now() - begin
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) })
    const body = await res.text()
    const [host, version] = res.status === 200 ? body.trim().split(/\s+/) : []
    return { status: res.status, host, version, body, sent, at: Date.now() - begin }
  } catch (e) {
    return { status: 0, body: String(e), sent, at: Date.now() - begin }
  }
}

/** `count` requests one after the other. */
export async function requests (url: string, count: number): Promise<Answer[]> {
  const answers: Answer[] = []
  const begin = Date.now()
  for (let i = 0; i < count; i++) answers.push(await get(url, begin))
  return answers
}

export interface RequestLoop {
  readonly answers: Answer[]
  /** ms since the loop began (the clock of `sent` and `at`). */
  now (): number
  /** The answers to requests sent from `ms` on. */
  sentFrom (ms: number): Answer[]
  /** Ends the loop (waits for the request in flight); at most `maxMs` after the start anyway. */
  stop (): Promise<Answer[]>
}

/** Requests one after the other, `gapMs` apart, until stopped or `maxMs` have passed. */
export function requestLoop (url: string, { gapMs = 20, maxMs = 90_000 } = {}): RequestLoop {
  const answers: Answer[] = []
  const begin = Date.now()
  let stopped = false
  const running = (async () => {
    while (!stopped && Date.now() - begin < maxMs) {
      answers.push(await get(url, begin))
      await new Promise(resolve => setTimeout(resolve, gapMs))
    }
  })()
  return {
    answers,
    now: () => Date.now() - begin,
    sentFrom: (ms: number) => answers.filter(a => a.sent >= ms),
    async stop () { stopped = true; await running; return answers }
  }
}

/** `{ 200: 18, 502: 2 }` */
export const statusCounts = (answers: Answer[]): Record<number, number> =>
  answers.reduce<Record<number, number>>((n, a) => ({ ...n, [a.status]: (n[a.status] ?? 0) + 1 }), {})

export const hostsOf = (answers: Answer[]): string[] =>
  [...new Set(answers.filter(a => a.host !== undefined).map(a => a.host!))].sort()

/** The answers that were not 200, for a failure message. */
export const failed = (answers: Answer[]): string =>
  JSON.stringify(answers.filter(a => a.status !== 200).slice(0, 10)
    .map(a => ({ ...a, body: a.body.replace(/\s+/g, ' ').slice(0, 60) })))

// --- tasks, targets --------------------------------------------------------------------------

export async function describeService (ecs: ECSClient, cluster: string, service: string): Promise<Service> {
  const { services, failures } = await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }))
  if (services?.[0] === undefined) throw new Error(`DescribeServices: ${JSON.stringify(failures)}`)
  return services[0]
}

/** The service's tasks (every status ListTasks keeps), described. */
export async function serviceTasks (ecs: ECSClient, cluster: string, family: string): Promise<Task[]> {
  const arns: string[] = []
  for (const desiredStatus of ['RUNNING', 'STOPPED'] as const) {
    const { taskArns } = await ecs.send(new ListTasksCommand({ cluster, family, desiredStatus }))
    arns.push(...(taskArns ?? []))
  }
  if (arns.length === 0) return []
  const out: Task[] = []
  for (let i = 0; i < arns.length; i += 100) {
    const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns.slice(i, i + 100) }))
    out.push(...(tasks ?? []))
  }
  return out
}

export const runningTasks = (tasks: Task[]): Task[] =>
  tasks.filter(t => t.lastStatus === 'RUNNING' && t.desiredStatus === 'RUNNING')

/** Where the task itself answers: its host port (bridge) or its ENI's address (awsvpc). */
export function taskAddress (task: Task): { host: string, port: number } {
  const eni = Object.fromEntries((task.attachments?.find(a => a.type === 'ElasticNetworkInterface')
    ?.details ?? []).map(d => [d.name!, d.value!]))
  if (eni.privateIPv4Address !== undefined) return { host: eni.privateIPv4Address, port: 8080 }
  const binding = task.containers?.[0]?.networkBindings?.find(b => b.containerPort === 8080)
  return { host: '127.0.0.1', port: binding?.hostPort ?? 0 }
}

/** The target a task is registered as: `port` (bridge, the host port) or `id` (awsvpc, the IP). */
export function matchesTarget (task: Task, target: { Id: string, Port: number }): boolean {
  const a = taskAddress(task)
  return a.host === '127.0.0.1' ? target.Port === a.port : target.Id === a.host
}

/** The task's hostname as its page names it, asked straight at its own address. */
export async function hostOf (task: Task): Promise<string | undefined> {
  const { host, port } = taskAddress(task)
  return (await get(`http://${host}:${port}/app/`)).host
}

export interface TargetHealth { Id: string, Port: number, State: string, Reason?: string }

export async function targetHealth (url: string, targetGroupArn: string): Promise<TargetHealth[]> {
  const r = await elbOk(url, 'DescribeTargetHealth', { TargetGroupArn: targetGroupArn })
  return members(r.TargetHealthDescriptions).map((d: any) => ({
    Id: d.Target.Id, Port: Number(d.Target.Port), State: d.TargetHealth.State, Reason: d.TargetHealth.Reason
  }))
}

/** docker kill (SIGKILL) of the task's first container. */
export async function killContainer (task: Task): Promise<void> {
  await dockerode().getContainer(task.containers![0].runtimeId!).kill()
}

export async function listenerHostPort (url: string, listenerArn: string): Promise<number | undefined> {
  const { listeners } = await fetch(`${url}/_emulator/listeners`).then(r => r.json()) as {
    listeners: { ListenerArn: string, HostPort: number }[]
  }
  return listeners.find(l => l.ListenerArn === listenerArn)?.HostPort
}

/** `GET /_emulator/services?arn=` as it answers (status and body). */
export async function serviceReport (url: string, serviceArn: string): Promise<{ status: number, body: any }> {
  const res = await fetch(`${url}/_emulator/services?arn=${encodeURIComponent(serviceArn)}`)
  const text = await res.text()
  let body: unknown = text
  try { body = JSON.parse(text) } catch {}
  return { status: res.status, body }
}

/**
 * What the service looks like now, for a failure message: counts, deployments, the newest
 * events, the target health and the emulator's report on it.
 */
export async function picture (url: string, ecs: ECSClient, s: { cluster: string, service: string,
  serviceArn: string, targetGroupArn: string }): Promise<string> {
  const parts: string[] = []
  const safe = async (what: string, f: () => Promise<unknown>): Promise<void> => {
    try { parts.push(`${what}: ${JSON.stringify(await f())}`) } catch (e) { parts.push(`${what}: ${String(e)}`) }
  }
  await safe('DescribeServices', async () => {
    const d = await describeService(ecs, s.cluster, s.service)
    return {
      status: d.status, desiredCount: d.desiredCount, runningCount: d.runningCount, pendingCount: d.pendingCount,
      deployments: d.deployments?.map(x => ({
        id: x.id, status: x.status, taskDefinition: x.taskDefinition, desired: x.desiredCount,
        running: x.runningCount, pending: x.pendingCount, failed: x.failedTasks, rollout: x.rolloutState
      })),
      events: d.events?.slice(0, 12).map(e => e.message)
    }
  })
  await safe('DescribeTargetHealth', async () => await targetHealth(url, s.targetGroupArn))
  await safe('GET /_emulator/services', async () => (await serviceReport(url, s.serviceArn)).body)
  return parts.join('\n')
}

/** Polls `check` every `gapMs` until it returns something truthy; throws after `ms`, describing the service. */
export const eventually = async <T>(check: () => Promise<T | undefined | false>, ms: number,
  describe: () => Promise<string>, gapMs = 150): Promise<T> =>
  await until(check, async () => `\n${await describe()}`, ms, gapMs)
