// The dashboard with thousands of tasks: an in-process emulator whose task store is seeded
// directly (5,000 tasks by default, across two clusters, most RUNNING), and Debian's Chromium
// (playwright-core) loading `/_emulator/ui#tasks`. Measures the first render (from navigation to
// the task list holding every task, its first rows drawn), then updates: a task's state changed
// in the store until its row shows it, timed in the page (the server looks for changes every
// 250 ms or more, which bounds the figure); and the server's side alone: a snapshot's size and build time, a
// look with nothing changed and with one task changed.
// Usage: node bench/ui.mjs [--tasks 5000] [--updates 10] [--chromium /usr/bin/chromium] [--screenshot FILE.png]
import { existsSync } from 'node:fs'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { register } from 'tsx/esm/api'
import pino from 'pino'
import { chromium } from 'playwright-core'
import { CreateClusterCommand, ECSClient } from '@aws-sdk/client-ecs'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
register()

const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '5000' },
    updates: { type: 'string', default: '10' },
    chromium: { type: 'string', default: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' },
    screenshot: { type: 'string' }
  }
})
const TASKS = Number(values.tasks)
const UPDATES = Number(values.updates)
if (!existsSync(values.chromium)) {
  console.error(`bench/ui: no Chromium at ${values.chromium} (install Debian's chromium, or give --chromium PATH)`)
  process.exit(2)
}

const { loadConfig } = await import('../src/config.ts')
const { startServer } = await import('../src/server.ts')
const { UiState } = await import('../api/ui/state.ts')

const config = loadConfig([], {}, { port: 0, registryPort: 0, dataDir: ':memory:', agent: false, logLevel: 'silent' })
const server = await startServer(config, { log: pino({ level: 'silent' }) })
const { emulator } = server
// A first launch on a loaded machine can take longer than playwright's 30 s (seen on CI).
const browser = await chromium.launch({ executablePath: values.chromium, args: ['--no-sandbox', '--disable-gpu'], timeout: 120_000 })

try {
  const clusters = await seedClusters(['bench-a', 'bench-b'])
  const seeded = timed(() => seedTasks(clusters, TASKS))
  const figures = serverFigures()
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
  const first = await firstRender(page)
  const updates = []
  for (let i = 0; i < UPDATES; i++) updates.push(await update(page, seeded.value[i]))
  if (values.screenshot !== undefined) await page.screenshot({ path: values.screenshot })
  await page.close()

  const ms = n => `${n.toFixed(1)} ms`
  const sorted = [...updates].sort((a, b) => a - b)
  console.log(`dashboard with ${TASKS} tasks (Chromium ${browser.version()}, Node ${process.version})`)
  console.log(`  seeding the store            ${ms(seeded.ms)}`)
  console.log(`  snapshot                     ${(figures.bytes / 1024).toFixed(0)} KiB, built in ${ms(figures.snapshotMs)}`)
  console.log(`  server look, nothing changed ${ms(figures.idleMs)}`)
  console.log(`  server look, one task        ${ms(figures.oneMs)}`)
  console.log(`  first render (tasks table)   ${ms(first.total)} from page.goto, ${first.rows} rows in the document`)
  console.log(`    in the page: snapshot at   ${ms(first.marks['ui:snapshot-received'])}, rendered at ${ms(first.marks['ui:rendered'])} (after navigation start)`)
  if (values.screenshot !== undefined) console.log(`  screenshot                   ${values.screenshot}`)
  console.log(`  update → visible (${UPDATES})       median ${ms(sorted[Math.floor(sorted.length / 2)])}, max ${ms(sorted.at(-1))}`)
} finally {
  await browser.close()
  await server.close()
}

function timed (fn) {
  const started = performance.now()
  const value = fn()
  return { value, ms: performance.now() - started }
}

async function seedClusters (names) {
  const ecs = new ECSClient({ endpoint: server.url, region: config.region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } })
  const out = []
  for (const clusterName of names) out.push((await ecs.send(new CreateClusterCommand({ clusterName }))).cluster)
  return out
}

/** `count` tasks in one transaction, newest last; returns their ARNs, newest first. */
function seedTasks (clusters, count) {
  const arns = []
  const now = Date.now() / 1000
  emulator.db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const task = taskRecord(clusters[i % clusters.length], i, now - (count - i))
      emulator.ecs.tasks.create(task)
      arns.push(task.taskArn)
    }
  })()
  return arns.reverse()
}

function taskRecord (cluster, i, createdAt) {
  const id = (i.toString(16).padStart(8, '0') + 'a'.repeat(24))
  const account = config.accountId
  const region = config.region
  const status = i % 10 === 0 ? 'STOPPED' : i % 10 === 1 ? 'PENDING' : 'RUNNING'
  const family = `web-${i % 7}`
  return {
    account, region, cluster: cluster.clusterName, id, clusterArn: cluster.clusterArn,
    taskArn: `arn:aws:ecs:${region}:${account}:task/${cluster.clusterName}/${id}`,
    taskDefinitionArn: `arn:aws:ecs:${region}:${account}:task-definition/${family}:1`,
    launchType: 'EC2', lastStatus: status, desiredStatus: status === 'STOPPED' ? 'STOPPED' : 'RUNNING',
    acknowledgedStatus: status === 'STOPPED' ? 'STOPPED' : undefined,
    healthStatus: 'UNKNOWN', version: 1, createdAt, family, revision: 1, group: `family:${family}`,
    containers: [{
      containerArn: `arn:aws:ecs:${region}:${account}:container/${cluster.clusterName}/${id}/main`,
      name: 'main', image: 'nginx:latest', lastStatus: status, exitCode: status === 'STOPPED' ? 0 : undefined,
      networkBindings: [], networkInterfaces: [], essential: true
    }],
    roles: {}, overrides: { containerOverrides: [] }, networkMode: 'bridge', attachments: [],
    enableExecuteCommand: false, attributes: [],
    stopCode: status === 'STOPPED' ? 'EssentialContainerExited' : undefined,
    stoppedReason: status === 'STOPPED' ? 'Essential container in task exited' : undefined,
    // Just now, however old the task: a task stopped over an hour ago is swept from the store.
    stoppedAt: status === 'STOPPED' ? Date.now() / 1000 : undefined
  }
}

function serverFigures () {
  const state = new UiState(emulator)
  state.look()
  const snapshot = timed(() => JSON.stringify(state.snapshot()))
  const idle = timed(() => state.look())
  const arn = emulator.ecs.tasks.list({ account: config.accountId, region: config.region }, 'bench-a', {})[0].taskArn
  const task = emulator.ecs.tasks.byArn(arn)
  emulator.ecs.tasks.save({ ...task, version: task.version + 1, healthStatus: 'HEALTHY' })
  const one = timed(() => state.look())
  return { bytes: Buffer.byteLength(snapshot.value), snapshotMs: snapshot.ms, idleMs: idle.ms, oneMs: one.ms }
}

async function firstRender (page) {
  const started = performance.now()
  await page.goto(`${server.url}/_emulator/ui#tasks`)
  await page.locator('#conn[data-state="live"]').waitFor({ timeout: 60_000 })
  const live = performance.now() - started
  await page.waitForFunction(total => document.querySelector(`#task-list[data-total="${total}"] .row`) !== null,
    TASKS, { polling: 'raf', timeout: 60_000 })
  const total = performance.now() - started
  // In the page: navigation start to the snapshot's arrival, and to the first render after it.
  const marks = await page.evaluate(() => Object.fromEntries(performance.getEntriesByType('mark').map(m => [m.name, m.startTime])))
  return { total, live, marks, rows: await page.locator('#task-list .row').count() }
}

/**
 * One of the newest tasks (in view at the top of the list) goes to STOPPED; timed in the page,
 * from just before the store write until a mutation shows its row STOPPED. The write waits a
 * random while first: right after the previous row showed is right after the server's look,
 * the worst moment, every time.
 */
async function update (page, arn) {
  const task = emulator.ecs.tasks.byArn(arn)
  const next = {
    ...task, version: task.version + 1, lastStatus: 'STOPPED', desiredStatus: 'STOPPED',
    stopCode: 'UserInitiated', stoppedReason: 'bench', stoppedAt: Date.now() / 1000,
    containers: task.containers.map(c => ({ ...c, lastStatus: 'STOPPED', exitCode: 137 }))
  }
  await page.evaluate(arn => {
    const selector = `#task-list .row[data-arn="${arn}"][data-status="STOPPED"]`
    window.__seen = undefined
    const observer = new MutationObserver(() => {
      if (document.querySelector(selector) === null) return
      window.__seen = performance.now()
      observer.disconnect()
    })
    observer.observe(document.getElementById('task-list'), { childList: true, subtree: true, attributes: true })
  }, arn)
  await new Promise(resolve => setTimeout(resolve, Math.random() * 500))
  await page.evaluate(() => { window.__t0 = performance.now() })
  emulator.ecs.tasks.save(next)
  await page.waitForFunction(() => window.__seen !== undefined, undefined, { polling: 'raf', timeout: 10_000 })
  return page.evaluate(() => window.__seen - window.__t0)
}
