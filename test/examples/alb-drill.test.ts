/**
 * The drill of examples/alb-web-service: the bridge example with an ecsServiceRole that has
 * everything of AmazonEC2ContainerServiceRole but elasticloadbalancing:RegisterTargets
 * (service-role-without-register-targets.json). The tasks run, the service says in AWS's words
 * that it failed to register them, the listener answers 503, and the decision log (and
 * `GET /_emulator/services?arn=`) names the role and the action. Given the permission, the
 * service registers its targets and the listener answers.
 */
import { describe, expect, it } from 'vitest'
import { AttachRolePolicyCommand, DeleteRolePolicyCommand } from '@aws-sdk/client-iam'
import { useEmulator } from '../support/emulator.js'
import { ACCOUNT } from '../support/fixtures.js'
import { CLUSTER, SERVICE, SKIP, TIME_SCALE, canRun, useAgent } from './alb-flow.js'
import {
  EXAMPLE, describeService, eventually, get, picture, requests, runUp, runningTasks,
  serviceReport, serviceTasks, statusCounts, targetHealth
} from './alb-support.js'

process.env.ECS_EMULATOR_TIME_SCALE = TIME_SCALE

const t = useEmulator({ agent: false })
const ROLE_SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/ecsServiceRole/ecs-service-scheduler`
const ACTION = 'elasticloadbalancing:RegisterTargets'
const SERVICE_ROLE_POLICY = 'arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceRole'

describe.skipIf(!canRun)(`examples/alb-web-service: the drill (no RegisterTargets)${SKIP}`, () => {
  useAgent(t, 'alb-drill')
  let vars: Record<string, string> = {}
  const describe_ = async (): Promise<string> => await picture(t.emu.url, t.ecs, {
    cluster: CLUSTER, service: SERVICE, serviceArn: vars.SERVICE_ARN, targetGroupArn: vars.TARGET_GROUP_ARN
  })
  const denial = (): string => {
    const tg = vars.TARGET_GROUP_ARN
    return `(service ${SERVICE}) failed to register targets in (target-group ${tg}) with (error User: ` +
      `${ROLE_SESSION} is not authorized to perform: ${ACTION} on resource: ${tg} ` +
      `because no identity-based policy allows the ${ACTION} action)`
  }
  const json = async (path: string): Promise<any> => await fetch(`${t.emu.url}${path}`).then(r => r.json())

  it('creates the service with the stripped role: CreateService accepts it (the role can describe the group)', async () => {
    const up = await runUp(t.emu.url, {
      CLUSTER, SERVICE, WAIT: '0',
      SERVICE_ROLE_POLICY_FILE: `${EXAMPLE}service-role-without-register-targets.json`
    })
    expect(up.status, up.stderr).toBe(0)
    vars = up.vars
  }, 120_000)

  it('says in a service event, in AWS\'s words, that the role may not register the targets', async () => {
    await eventually(async () => {
      const { events } = await describeService(t.ecs, CLUSTER, SERVICE)
      return (events ?? []).some(e => e.message === denial())
    }, 60_000, describe_)
  }, 90_000)

  it('keeps answering 503 through the listener while the tasks run unregistered', async () => {
    await eventually(async () =>
      runningTasks(await serviceTasks(t.ecs, CLUSTER, 'web')).length === 2, 60_000, describe_)
    expect(await targetHealth(t.emu.url, vars.TARGET_GROUP_ARN)).toEqual([])
    const answers = await requests(`${vars.LISTENER_URL}/app/`, 5)
    expect(statusCounts(answers)).toEqual({ 503: 5 })
  }, 90_000)

  it('names the role and the action in the decision log and in GET /_emulator/services', async () => {
    const denied = { principal: ROLE_SESSION, action: ACTION, decision: 'ImplicitDeny' }
    const { decisions } = await json(`/_emulator/decisions?${new URLSearchParams(denied)}`)
    expect(decisions.length).toBeGreaterThan(0)
    expect(decisions[0]).toMatchObject({ ...denied, resource: vars.TARGET_GROUP_ARN })
    const onBehalf = await json(`/_emulator/decisions?${new URLSearchParams({ onBehalfOf: vars.SERVICE_ARN })}`)
    expect(onBehalf.decisions.map((d: any) => d.action)).toContain(ACTION)

    const report = await serviceReport(t.emu.url, vars.SERVICE_ARN)
    expect(report.status, JSON.stringify(report.body)).toBe(200)
    const event = (report.body.events as any[]).find(e => e.message === denial())
    expect(event, JSON.stringify(report.body)).toBeDefined()
    expect(event.decisionId).toEqual(expect.any(String))
    expect(await json(`/_emulator/decisions/${event.decisionId as string}`)).toMatchObject(denied)
  })

  it('registers the targets once the role has AmazonEC2ContainerServiceRole, and the listener answers', async () => {
    await t.iam.send(new AttachRolePolicyCommand({
      RoleName: 'ecsServiceRole', PolicyArn: SERVICE_ROLE_POLICY
    }))
    await t.iam.send(new DeleteRolePolicyCommand({ RoleName: 'ecsServiceRole', PolicyName: 'service-role' }))
    await eventually(async () => {
      const health = await targetHealth(t.emu.url, vars.TARGET_GROUP_ARN)
      return health.length === 2 && health.every(h => h.State === 'healthy')
    }, 60_000, describe_)
    const answer = await get(`${vars.LISTENER_URL}/app/`)
    expect(answer.status).toBe(200)
  }, 90_000)
})
