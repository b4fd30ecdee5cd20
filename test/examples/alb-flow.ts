/**
 * examples/alb-web-service end to end, in one network mode: the README's commands (bridge: its
 * "Run it" block as written; awsvpc: `up.sh`, the same commands parameterised) make the role,
 * the task definition, the target group, the ALB, the listener with its path rule and a two-task
 * service with the AWS CLI; our agent runs the tasks on the local Docker engine; the tests then send real requests through the listener while the service is
 * killed into, scaled, rolled to a new revision and deleted. Used by alb-web-service.test.ts
 * (bridge, instance targets, ecsServiceRole) and alb-web-service-awsvpc.test.ts (ip targets,
 * the service-linked role).
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import {
  DeleteServiceCommand, RegisterTaskDefinitionCommand, UpdateServiceCommand, type Task
} from '@aws-sdk/client-ecs'
import { DOCKER_SKIP, dockerode, hasDocker } from '../support/docker.js'
import { CLIS, NO_CLI, aws } from '../support/cli.js'
import type { UsedEmulator } from '../support/emulator.js'
import { ACCOUNT } from '../support/fixtures.js'
import { useAgent as useClusterAgent } from '../support/agent.js'
import { elbOk } from '../elbv2/client.js'
import {
  EXAMPLE, type Answer, describeService, eventually, failed, get, hostOf, hostsOf, killContainer,
  listenerHostPort, matchesTarget, picture, requestLoop, requests, runReadme, runUp, runningTasks,
  serviceTasks, statusCounts, targetHealth
} from './alb-support.js'

/** The README's cluster (the one `npm start`'s agent joins). */
export const CLUSTER = 'default'
export const SERVICE = 'web'
const SLR = `arn:aws:iam::${ACCOUNT}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS`

/** The time scale the emulator (and its data plane) runs under in these files. */
export const TIME_SCALE = '0.1'

const run = promisify(execFile)

/** Skip reasons for a describe title: Docker and the AWS CLI are both needed. */
export const SKIP = `${DOCKER_SKIP}${CLIS.length === 0 ? ` (skipped: ${NO_CLI})` : ''}`
export const canRun = hasDocker && CLIS.length > 0

/** The agent (one emulated EC2 instance in the cluster) for a file; stopped and swept after. */
export const useAgent = (t: UsedEmulator, scope: string): { labels: Record<string, string> } =>
  useClusterAgent(t, { cluster: CLUSTER, scope, timeScale: Number(TIME_SCALE) })

export function albWebServiceFlow (t: UsedEmulator, mode: 'bridge' | 'awsvpc'): void {
  const family = mode === 'bridge' ? 'web' : 'web-awsvpc'
  const tdFile = mode === 'bridge' ? 'task-definition.json' : 'task-definition-awsvpc.json'
  let vars: Record<string, string> = {}
  let labels: Record<string, string> = {}
  const app = (): string => `${vars.LISTENER_URL}/app/`
  const names = () => ({
    cluster: CLUSTER, service: SERVICE, serviceArn: vars.SERVICE_ARN, targetGroupArn: vars.TARGET_GROUP_ARN
  })
  const describe_ = async (): Promise<string> => await picture(t.emu.url, t.ecs, names())
  const tasksNow = async (): Promise<Task[]> => runningTasks(await serviceTasks(t.ecs, CLUSTER, family))

  /**
   * Waits until the service runs `n` tasks (of `taskDefinition` when given), one deployment,
   * each task's target registered and healthy and no other target in the group.
   */
  async function settled (n: number, ms = 60_000, taskDefinition?: string): Promise<Task[]> {
    return await eventually(async () => {
      const s = await describeService(t.ecs, CLUSTER, SERVICE)
      if (s.runningCount !== n || s.deployments?.length !== 1) return false
      if (taskDefinition !== undefined && s.taskDefinition !== taskDefinition) return false
      const health = await targetHealth(t.emu.url, vars.TARGET_GROUP_ARN)
      if (health.length !== n || health.some(h => h.State !== 'healthy')) return false
      const tasks = await tasksNow()
      if (tasks.length !== n || !tasks.every(task => health.some(h => matchesTarget(task, h)))) return false
      const other = (task: Task): boolean => task.taskDefinitionArn !== taskDefinition
      if (taskDefinition !== undefined && tasks.some(other)) return false
      return tasks
    }, ms, describe_)
  }

  const hostsOfTasks = async (tasks: Task[]): Promise<string[]> =>
    (await Promise.all(tasks.map(async task =>
      await hostOf(task) ?? `(no answer from ${task.taskArn})`))).sort()

  describe.skipIf(!canRun)(`examples/alb-web-service (${mode})${SKIP}`, () => {
    ({ labels } = useAgent(t, `alb-web-service-${mode}`))

    const how = mode === 'bridge' ? 'the README\'s commands' : 'up.sh (MODE=awsvpc)'
    it(`sets up the role, the task definition, the target group, the ALB, the listener with its path rule and the service with ${how}`, async () => {
      if (mode === 'bridge') {
        const readme = await runReadme(t.emu.url)
        expect(readme.status, readme.stderr).toBe(0)
        vars = { ...readme.vars, SERVICE_ARN: `arn:aws:ecs:us-east-1:${ACCOUNT}:service/${CLUSTER}/${SERVICE}` }
        // Its closing curl loop, after `aws ecs wait services-stable`: ten pages from both tasks.
        expect(readme.pages).toHaveLength(10)
        expect(new Set(readme.pages.map(p => p.split(' ')[0])).size).toBe(2)
      } else {
        const up = await runUp(t.emu.url, { MODE: mode, CLUSTER, SERVICE, WAIT: '0' })
        expect(up.status, up.stderr).toBe(0)
        vars = up.vars
      }
      // Port 80 is privileged here: GET /_emulator/listeners says where the listener listens.
      expect(vars.LISTENER_URL).toBe(`http://127.0.0.1:${await listenerHostPort(t.emu.url, vars.LISTENER_ARN) ?? '?'}`)
      const s = await describeService(t.ecs, CLUSTER, SERVICE)
      expect(s).toMatchObject({
        serviceArn: vars.SERVICE_ARN, status: 'ACTIVE', desiredCount: 2, launchType: 'EC2',
        taskDefinition: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/${family}:1`,
        roleArn: mode === 'bridge' ? `arn:aws:iam::${ACCOUNT}:role/ecsServiceRole` : SLR,
        loadBalancers: [{ targetGroupArn: vars.TARGET_GROUP_ARN, containerName: 'web', containerPort: 8080 }],
        healthCheckGracePeriodSeconds: 10
      })
      // The listener's default action: what the path rule does not take.
      const other = await get(`${vars.LISTENER_URL}/elsewhere`)
      expect([other.status, other.body]).toEqual([404, 'no route'])
    }, 120_000)

    it('answers twenty requests through the listener from both tasks', async () => {
      const tasks = await settled(2)
      const answers = await requests(app(), 20)
      expect(statusCounts(answers), failed(answers)).toEqual({ 200: 20 })
      expect(hostsOf(answers)).toEqual(await hostsOfTasks(tasks))
      expect(hostsOf(answers)).toHaveLength(2)
      // The scheduler says so on its next pass after the one that found the targets healthy.
      const messages = await eventually(async () => {
        const { events } = await describeService(t.ecs, CLUSTER, SERVICE)
        const texts = (events ?? []).map(e => e.message!)
        return texts.includes(`(service ${SERVICE}) has reached a steady state.`) && texts
      }, 20_000, describe_)
      expect(messages.some(m => m.startsWith(`(service ${SERVICE}) has started `))).toBe(true)
      expect(messages.some(m => m.startsWith(`(service ${SERVICE}) registered `) &&
        m.includes(`targets in (target-group ${vars.TARGET_GROUP_ARN})`))).toBe(true)
    }, 90_000)

    it('lets `aws ecs wait services-stable` return at once on the stable service', async () => {
      const started = Date.now()
      const waited = await aws(CLIS[0], t.emu.url,
        ['ecs', 'wait', 'services-stable', '--cluster', CLUSTER, '--services', SERVICE])
      expect(waited.status, waited.stderr).toBe(0)
      // The waiter's first look succeeded: a second look would have come 15 s later.
      expect(Date.now() - started).toBeLessThan(14_000)
    }, 30_000)

    it('replaces a killed container, and no request reaches the dead target once its health check fails', async () => {
      const before = await settled(2)
      const victim = before[0]
      const victimHost = await hostOf(victim)
      expect(victimHost).toBeDefined()
      const loop = requestLoop(app())
      let mark = 0
      let extra: Awaited<ReturnType<typeof requests>> = []
      try {
        await killContainer(victim)
        await eventually(async () => {
          const h = (await targetHealth(t.emu.url, vars.TARGET_GROUP_ARN)).find(x => matchesTarget(victim, x))
          return h === undefined || h.State !== 'healthy'
        }, 30_000, describe_, 50)
        mark = loop.now()
        const after = await settled(2)
        expect(after.map(x => x.taskArn)).not.toContain(victim.taskArn)
        // The loop may still wait on a request it sent the dead target before the mark (an
        // awsvpc address that vanished answers nothing): these ten are sent after it for sure.
        extra = await requests(app(), 10)
      } finally {
        await loop.stop()
      }
      const since = [...loop.sentFrom(mark), ...extra]
      expect(since.length).toBeGreaterThan(0)
      expect(since.filter(a => a.host === victimHost), 'answers from the dead task').toEqual([])
      expect(statusCounts(since), failed(since)).toEqual({ 200: since.length })
      const answers = await requests(app(), 20)
      expect(hostsOf(answers)).toHaveLength(2)
      expect(hostsOf(answers)).not.toContain(victimHost)
      const gone = (await serviceTasks(t.ecs, CLUSTER, family)).find(x => x.taskArn === victim.taskArn)
      expect(gone?.desiredStatus).toBe('STOPPED')
    }, 120_000)

    it('replaces a task the load balancer finds unhealthy, and sends it no request once it is', async () => {
      const before = await settled(2)
      const sick = before[0]
      const sickHost = await hostOf(sick)
      expect(sickHost).toBeDefined()
      const loop = requestLoop(app())
      let mark = 0
      try {
        // Its page still answers; only the health check path is gone (404 to the probe).
        await run('docker', ['exec', sick.containers![0].runtimeId!, 'rm', '/www/health'])
        await eventually(async () => {
          const h = (await targetHealth(t.emu.url, vars.TARGET_GROUP_ARN)).find(x => matchesTarget(sick, x))
          return h === undefined || h.State !== 'healthy'
        }, 30_000, describe_, 50)
        mark = loop.now()
        const after = await settled(2)
        expect(after.map(x => x.taskArn)).not.toContain(sick.taskArn)
        await requests(app(), 10)
      } finally {
        await loop.stop()
      }
      const since = loop.sentFrom(mark)
      expect(since.filter(a => a.host === sickHost), 'answers from the unhealthy task').toEqual([])
      expect(statusCounts(since), failed(since)).toEqual({ 200: since.length })
      const stopped = (await serviceTasks(t.ecs, CLUSTER, family)).find(x => x.taskArn === sick.taskArn)
      expect(stopped).toMatchObject({
        desiredStatus: 'STOPPED',
        stoppedReason: `Task failed ELB health checks in (target-group ${vars.TARGET_GROUP_ARN})`
      })
      const { events } = await describeService(t.ecs, CLUSTER, SERVICE)
      // (service web) (instance i-…) (port 32771) is unhealthy … (bridge); (task ID) (port 8080) (awsvpc)
      const tail = `is unhealthy in (target-group ${vars.TARGET_GROUP_ARN}) due to ` +
        '(reason Health checks failed with these codes: [404]).'
      const head = /^\(service web\) \((task|instance) [^)]+\) \(port \d+\) /
      const said = (events ?? []).map(e => e.message!).filter(m => head.test(m) && m.endsWith(tail))
      expect(said).toHaveLength(1)
    }, 120_000)

    it('registers a third healthy target when scaled to three', async () => {
      await t.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: SERVICE, desiredCount: 3 }))
      const tasks = await settled(3)
      const health = await targetHealth(t.emu.url, vars.TARGET_GROUP_ARN)
      expect(health.map(h => h.State)).toEqual(['healthy', 'healthy', 'healthy'])
      const answers = await requests(app(), 30)
      expect(statusCounts(answers), failed(answers)).toEqual({ 200: 30 })
      expect(hostsOf(answers)).toEqual(await hostsOfTasks(tasks))
    }, 90_000)

    it('rolls out a new revision with no failed request in a stream of requests during the deployment', async () => {
      const td = JSON.parse(readFileSync(`${EXAMPLE}${tdFile}`, 'utf8'))
      td.containerDefinitions[0].environment = [{ name: 'PAGE_VERSION', value: 'v2' }]
      const { taskDefinition } = await t.ecs.send(new RegisterTaskDefinitionCommand(td))
      const v2 = taskDefinition!.taskDefinitionArn!
      const loop = requestLoop(app(), { maxMs: 100_000 })
      let tasks: Task[]
      try {
        await t.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: SERVICE, taskDefinition: v2 }))
        tasks = await settled(3, 90_000, v2)
        // Until the old targets have drained and the old tasks are gone.
        await eventually(async () => (await serviceTasks(t.ecs, CLUSTER, family))
          .every(x => x.taskDefinitionArn === v2 || x.lastStatus === 'STOPPED'), 30_000, describe_)
        await requests(app(), 10)
      } finally {
        await loop.stop()
      }
      const answers: Answer[] = loop.answers
      expect(statusCounts(answers), failed(answers)).toEqual({ 200: answers.length })
      expect(answers.some(a => a.version === 'v1') && answers.some(a => a.version === 'v2'),
        'the stream saw both revisions').toBe(true)
      const last = await requests(app(), 20)
      expect(last.map(a => a.version)).toEqual(Array(20).fill('v2'))
      expect(hostsOf(last)).toEqual(await hostsOfTasks(tasks))
      const s = await describeService(t.ecs, CLUSTER, SERVICE)
      expect(s.deployments?.[0]).toMatchObject({ status: 'PRIMARY', taskDefinition: v2, runningCount: 3 })
    }, 150_000)

    it('drains the targets and stops every task when the service is deleted with --force; the listener then answers 503', async () => {
      // A longer delay than up.sh's 5 s (0.5 s at this scale), so that draining is seen.
      await elbOk(t.emu.url, 'ModifyTargetGroupAttributes', {
        TargetGroupArn: vars.TARGET_GROUP_ARN,
        Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }]
      })
      const before = await tasksNow()
      expect(before).toHaveLength(3)
      const { service } = await t.ecs.send(new DeleteServiceCommand({
        cluster: CLUSTER, service: SERVICE, force: true
      }))
      expect(service).toMatchObject({ status: 'DRAINING', desiredCount: 0 })
      const seen = new Set<string>()
      await eventually(async () => {
        const health = await targetHealth(t.emu.url, vars.TARGET_GROUP_ARN)
        for (const h of health) seen.add(h.State)
        return health.length === 0
      }, 60_000, describe_, 50)
      expect([...seen]).toContain('draining')
      await eventually(async () =>
        (await describeService(t.ecs, CLUSTER, SERVICE)).status === 'INACTIVE', 30_000, describe_)
      const all = await serviceTasks(t.ecs, CLUSTER, family)
      expect(all.filter(x => x.lastStatus !== 'STOPPED').map(x => `${x.taskArn} ${x.lastStatus}`)).toEqual([])
      const running = await dockerode().listContainers({
        filters: { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`), status: ['running'] }
      })
      expect(running.filter(c => c.Image.includes('busybox')).map(c => c.Names)).toEqual([])
      const after = await get(app())
      expect(after.status).toBe(503)
    }, 120_000)
  })
}
