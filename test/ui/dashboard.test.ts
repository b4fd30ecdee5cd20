/**
 * The dashboard (`GET /_emulator/ui`) in headless Chromium (Debian's, driven by
 * playwright-core): a denied call and its explain trace, a cluster appearing live, a task
 * whose execution role cannot logs:CreateLogStream (on the local Docker engine, through our
 * agent), a drill report opened from a file. A screenshot is kept (path printed).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import {
  CreateClusterCommand, CreateServiceCommand, ListClustersCommand, RegisterTaskDefinitionCommand, RunTaskCommand
} from '@aws-sdk/client-ecs'
import { CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs'
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam'
import { useEmulator } from '../support/emulator.js'
import { ACCOUNT, failure, policyDocument, trustService, userWithKey } from '../support/fixtures.js'
import { DOCKER_SKIP, IMAGES, hasDocker } from '../support/docker.js'
import { useAgent } from '../support/agent.js'
import { CHROMIUM_SKIP as SKIP, LAUNCH_HOOK_TIMEOUT, hasChromium, launchChromium } from '../support/chromium.js'
import { elbOk, members } from '../elbv2/client.js'
import { ec2Ok, filters, items } from '../ec2/client.js'

/** Where the screenshots go (printed): the OS temporary directory unless set. */
const ARTIFACTS = process.env.ECS_EMULATOR_TEST_ARTIFACTS ?? join(tmpdir(), 'ecs-emulator-test-results')

process.env.ECS_EMULATOR_TIME_SCALE = '0.02'
const t = useEmulator({ agent: false })

let browser: Browser | undefined
let page: Page
/** Uncaught errors of the page's script, over the whole file. */
const pageErrors: string[] = []

beforeAll(async () => {
  if (!hasChromium) return
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
  page.on('pageerror', e => { pageErrors.push(e.message) })
}, LAUNCH_HOOK_TIMEOUT)

afterAll(async () => {
  await browser?.close()
  expect(pageErrors).toEqual([])
})

async function shot (name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true })
  const path = join(ARTIFACTS, `dashboard-${name}.png`)
  await page.screenshot({ path, fullPage: true })
  console.log(`dashboard screenshot: ${path}`)
}

describe.skipIf(!hasChromium)(`the dashboard in headless Chromium${SKIP}`, () => {
  let requestId = ''

  beforeAll(async () => {
    const allowed = policyDocument({ Effect: 'Allow', Action: 'ecs:DescribeClusters', Resource: '*' })
    const dana = await userWithKey(t.iam, 'dana', allowed)
    const e = await failure(t.emu.clients(dana).ecs.send(new ListClustersCommand({})))
    requestId = (e as unknown as { $metadata: { requestId: string } }).$metadata.requestId
    await t.ecs.send(new CreateClusterCommand({ clusterName: 'web' }))
    await page.goto(`${t.emu.url}/_emulator/ui#decisions`)
    await page.locator('#conn[data-state="live"]').waitFor()
  })

  it('marks a denied call and opens its explain trace', async () => {
    const row = page.locator('tr.denied', { hasText: 'ecs:ListClusters' })
    await expect(row.getAttribute('data-decision')).resolves.toBe('ImplicitDeny')
    await row.locator('a.explain').click()

    const trace = page.locator('#panel[data-kind="explain"]')
    await expect(trace.locator('.why').textContent()).resolves.toBe('no identity-based policy allows ecs:ListClusters')
    expect(await trace.locator('.principal').textContent()).toBe(`arn:aws:iam::${ACCOUNT}:user/dana`)
    const fix = JSON.parse((await trace.locator('.fix').textContent())!)
    expect(fix).toEqual({ Effect: 'Allow', Action: 'ecs:ListClusters', Resource: '*' })
    expect(await page.locator('#panel-title').textContent()).toBe(`Explain ${requestId}`)
    await shot('denial')
    await page.locator('#panel-close').click()
  })

  it('shows a cluster created after the page loaded, without a reload', async () => {
    await page.goto(`${t.emu.url}/_emulator/ui#clusters`)
    await page.locator('#conn[data-state="live"]').waitFor()
    await page.locator('tr[data-arn$=":cluster/web"]').waitFor()
    const started = Date.now()
    await t.ecs.send(new CreateClusterCommand({ clusterName: 'arrives-live' }))
    await page.locator('tr[data-arn$=":cluster/arrives-live"]').waitFor({ timeout: 20_000 })
    console.log(`dashboard: a new cluster showed ${Date.now() - started} ms after CreateCluster answered`)
    expect(await page.locator('[data-count="clusters"]').textContent()).toBe('2')
  })

  it('shows a service with its deployment and events, and a target group with its targets\' health', async () => {
    const vpc = items((await ec2Ok(t.emu.url, 'DescribeVpcs', filters(['is-default', ['true']]))).vpcSet)[0]
    const tg = members((await elbOk(t.emu.url, 'CreateTargetGroup', {
      Name: 'ui-tg', Protocol: 'HTTP', Port: 80, VpcId: vpc.vpcId, TargetType: 'ip'
    })).TargetGroups)[0]
    const ip = String(vpc.cidrBlock).replace(/\.\d+\/\d+$/, '.10')
    await elbOk(t.emu.url, 'RegisterTargets', { TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: ip, Port: 8080 }] })
    await t.ecs.send(new RegisterTaskDefinitionCommand({
      family: 'ui-web', containerDefinitions: [{ name: 'web', image: IMAGES.busybox, memory: 16, essential: true }]
    }))
    const { service } = await t.ecs.send(new CreateServiceCommand({
      cluster: 'web', serviceName: 'ui-web', taskDefinition: 'ui-web', desiredCount: 1
    }))

    await page.goto(`${t.emu.url}/_emulator/ui#services`)
    const card = page.locator(`#view-services .card[data-arn="${service!.serviceArn!}"]`)
    await card.waitFor()
    expect(await card.locator('h3').textContent()).toMatch(/^ui-web ACTIVE/)
    expect(await card.locator('td', { hasText: 'PRIMARY' }).count()).toBe(1)
    // With no container instance, the scheduler's first pass says it cannot place the task.
    await card.locator('.events td', { hasText: 'was unable to place a task' }).first().waitFor({ timeout: 20_000 })

    await page.goto(`${t.emu.url}/_emulator/ui#targetGroups`)
    const group = page.locator(`#view-targetGroups .card[data-arn="${tg.TargetGroupArn}"]`)
    await group.waitFor()
    expect(await group.locator('td').allTextContents()).toEqual([`${ip}:8080`, 'unused',
      'Target.NotInUse: Target group is not configured to receive traffic from the load balancer'])
    await shot('services')
  })

  it('lists what each role was used for from the decision log', async () => {
    await page.goto(`${t.emu.url}/_emulator/ui#roles`)
    await page.locator('#conn[data-state="live"]').waitFor()
    // The service-linked role is used by nothing yet; every role of the account is listed.
    await page.locator('#view-roles .card').first().waitFor()
    expect(await page.locator('#view-roles .card').count()).toBeGreaterThan(0)
  })

  it('opens a drill report (ablation-*.json) and renders its grid and each cell\'s trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecs-emulator-ui-'))
    const file = join(dir, 'ablation-web.json')
    writeFileSync(file, JSON.stringify(REPORT))
    await page.goto(`${t.emu.url}/_emulator/ui#drill`)
    await page.locator('#report-file').setInputFiles(file)

    const title = page.locator('#report h2').first()
    await expect(title.textContent()).resolves.toBe('What breaks without each permission: web')
    expect(await page.locator('#report .grid .cell.breaks').count()).toBe(1)
    expect(await page.locator('#report .grid .cell.no-effect').count()).toBe(1)
    await page.locator('#report .grid .cell.breaks').click()
    expect(await page.locator('#panel-title').textContent()).toBe('taskExecution without logs:CreateLogStream')
    const body = await page.locator('#panel-body').textContent()
    expect(body).toContain('breaks at “the task runs”')
    expect(body).toContain('no identity-based policy allows logs:CreateLogStream')
    await shot('drill')
    await page.locator('#panel-close').click()
  })
})

const DENIED_TASK = `a denied task in the dashboard, on the local Docker engine${SKIP || DOCKER_SKIP}`

describe.skipIf(!hasChromium || !hasDocker)(DENIED_TASK, () => {
  const CLUSTER = 'ui-denied'
  useAgent(t, { cluster: CLUSTER, scope: 'ui-dashboard' })

  it('clicks through a task stopped for want of logs:CreateLogStream to its trace', async () => {
    const { Role } = await t.iam.send(new CreateRoleCommand({
      RoleName: 'uiExecNoLogs', AssumeRolePolicyDocument: trustService('ecs-tasks.amazonaws.com')
    }))
    const onlyPut = policyDocument({ Effect: 'Allow', Action: 'logs:PutLogEvents', Resource: '*' })
    await t.iam.send(new PutRolePolicyCommand({ RoleName: 'uiExecNoLogs', PolicyName: 'inline', PolicyDocument: onlyPut }))
    await t.logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/ui' }))
    await t.ecs.send(new RegisterTaskDefinitionCommand({
      family: 'ui-nologs', networkMode: 'bridge', executionRoleArn: Role!.Arn!,
      containerDefinitions: [{
        name: 'main', image: IMAGES.busybox, memory: 16, essential: true, command: ['echo', 'never'],
        logConfiguration: {
          logDriver: 'awslogs',
          options: { 'awslogs-group': '/ecs/ui', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'ecs' }
        }
      }]
    }))
    await page.goto(`${t.emu.url}/_emulator/ui#tasks`)
    await page.locator('#conn[data-state="live"]').waitFor()
    const { tasks } = await t.ecs.send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: 'ui-nologs' }))
    const taskArn = tasks![0].taskArn!

    const row = page.locator(`#task-list .row[data-arn="${taskArn}"]`)
    await row.waitFor({ timeout: 20_000 })
    await page.locator(`#task-list .row[data-arn="${taskArn}"][data-status="STOPPED"]`).waitFor({ timeout: 30_000 })
    await row.locator('a.explain').click()

    const trace = page.locator('#panel[data-kind="explain"]')
    const why = trace.locator('.why')
    await expect(why.textContent()).resolves.toBe('no identity-based policy allows logs:CreateLogStream')
    const cause = await trace.locator('ol.chain li').first().textContent()
    expect(cause!.startsWith(`the task ${taskArn} stopped (TaskFailedToStart): `)).toBe(true)
    await shot('denied-task')

    await page.locator('#panel-close').click()
    await page.goto(`${t.emu.url}/_emulator/ui#instances`)
    const instance = page.locator('#view-instances tbody tr', { hasText: CLUSTER })
    expect(await instance.locator('td').nth(4).textContent()).toBe('connected')
    await page.goto(`${t.emu.url}/_emulator/ui#roles`)
    const card = page.locator(`#view-roles .card[data-arn="${Role!.Arn!}"]`)
    // The view renders on hashchange: wait for the row before counting.
    const denied = card.locator('tr.denied', { hasText: 'logs:CreateLogStream' })
    await denied.first().waitFor({ timeout: 20_000 })
    expect(await denied.count()).toBe(1)
  }, 60_000)
})

/** A small ablation report, in the shape `ecs-emulator drill --ablate --out` writes. */
const REPORT = {
  scenario: 'web',
  description: 'A task behind an ALB',
  version: '0.0.0-test',
  timeScale: 0.02,
  generatedAt: '2026-12-01T00:00:00.000Z',
  scenarioDigest: 'ab'.repeat(32),
  cells: [
    {
      role: 'taskExecution', action: 'logs:CreateLogStream', resources: ['arn:aws:logs:us-east-1:000000000000:log-group:/ecs/web:*'],
      outcome: 'breaks', step: 'the task runs', symptom: 'ResourceInitializationError: failed to create the log stream',
      cause: 'taskExecution logs:CreateLogStream: no identity-based policy allows logs:CreateLogStream',
      trace: 'why\n  no identity-based policy allows logs:CreateLogStream', showsAfterMs: 1200
    },
    { role: 'taskExecution', action: 'logs:PutLogEvents', resources: ['*'], outcome: 'no-effect' }
  ],
  roles: [{
    role: 'taskExecution', managed: [], notNeeded: [], notEmulated: [],
    leastPrivilege: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['logs:CreateLogStream'], Resource: '*' }] }
  }]
}
