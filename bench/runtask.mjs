// RunTask-to-RUNNING time of a `bridge` task against a bare Docker create+start of the same
// image (the calls `docker run -d` makes), and the control plane's resident memory with 100
// running tasks. Runs the real CLI: a server without its built-in agent, and one agent of our
// own on a `bench` cluster, whose containers carry a label this run removes at the end.
// Usage: npm run bench:runtask [-- --runs 10 --tasks 100]
import { spawn } from 'node:child_process'
import { readFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import Docker from 'dockerode'
import {
  ECSClient, CreateClusterCommand, RegisterTaskDefinitionCommand, RunTaskCommand,
  DescribeTasksCommand, StopTaskCommand, ListContainerInstancesCommand,
  DescribeContainerInstancesCommand, ListTasksCommand
} from '@aws-sdk/client-ecs'

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '10' }, tasks: { type: 'string', default: '100' } }
})
const RUNS = Number(values.runs)
const TASKS = Number(values.tasks)
const CLI = new URL('../dist/cli.js', import.meta.url).pathname
const IMAGE = 'ecs-emulator/busybox:latest'
const RUN_ID = `bench-${process.pid}`
const LABEL = { 'ecs-emulator.bench': RUN_ID }
const docker = new Docker()
const dataDir = mkdtempSync(join(tmpdir(), 'ecs-emulator-bench-'))
const children = []
let cleaningUp = false

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))
const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const ms = ns => Number(ns) / 1e6

function start (args, ready) {
  const child = spawn(process.execPath, [CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }
  })
  children.push(child)
  const lines = []
  child.stderr.on('data', d => lines.push(String(d)))
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', line => {
      lines.push(line)
      const found = ready(line)
      if (found !== undefined) resolve({ child, found })
    })
    child.once('exit', code => {
      if (!cleaningUp) reject(new Error(`${args[0]} exited ${code}:\n${lines.slice(-20).join('\n')}`))
    })
  })
}

async function waitFor (what, probe, timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await sleep(5)
  }
}

async function setUp () {
  await ensureImage()
  const server = await start(['up', '--port', '0', '--data-dir', join(dataDir, 'server'), '--no-agent'],
    line => /"url":"(http:\/\/[^"]+)"/.exec(line)?.[1])
  const url = server.found
  const ecs = new ECSClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } })
  await ecs.send(new CreateClusterCommand({ clusterName: 'bench' }))
  // The agent logs on; it has joined when its container instance is connected (waited for below).
  start(['agent', '--endpoint', url, '--cluster', 'bench', '--data-dir', join(dataDir, 'agent'),
    '--label', `ecs-emulator.bench=${RUN_ID}`], () => undefined).catch(e => console.error(e.message))
  return { url, ecs, serverPid: server.child.pid }
}

async function ensureImage () {
  try { await docker.getImage(IMAGE).inspect() } catch {
    throw new Error(`${IMAGE} is missing: run scripts/images.sh first`)
  }
}

async function joined (ecs) {
  const { containerInstanceArns } = await ecs.send(new ListContainerInstancesCommand({ cluster: 'bench' }))
  if (containerInstanceArns.length === 0) return false
  const { containerInstances } = await ecs.send(new DescribeContainerInstancesCommand({ cluster: 'bench', containerInstances: containerInstanceArns }))
  return containerInstances[0].agentConnected
}

async function runTaskToRunning (ecs) {
  const t0 = process.hrtime.bigint()
  const { tasks } = await ecs.send(new RunTaskCommand({ cluster: 'bench', taskDefinition: 'httpd' }))
  const arn = tasks[0].taskArn
  await waitFor('RUNNING', async () => {
    const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: 'bench', tasks: [arn] }))
    return tasks[0].lastStatus === 'RUNNING'
  })
  const took = ms(process.hrtime.bigint() - t0)
  // Measured runs must not overlap the previous task's stop.
  await ecs.send(new StopTaskCommand({ cluster: 'bench', task: arn }))
  await waitFor('STOPPED', async () => {
    const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: 'bench', tasks: [arn] }))
    return tasks[0].lastStatus === 'STOPPED'
  })
  return took
}

async function bareDockerRun () {
  const t0 = process.hrtime.bigint()
  const c = await docker.createContainer({
    Image: IMAGE, Cmd: ['httpd', '-f', '-p', '8080'], Labels: LABEL,
    ExposedPorts: { '8080/tcp': {} },
    HostConfig: { Memory: 32 * 1024 * 1024, PortBindings: { '8080/tcp': [{ HostPort: '' }] } }
  })
  await c.start()
  const took = ms(process.hrtime.bigint() - t0)
  await c.remove({ force: true })
  return took
}

function rssMiB (pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) / 1024
}

async function manyTasks (ecs, serverPid) {
  const arns = []
  while (arns.length < TASKS) {
    const { tasks, failures } = await ecs.send(new RunTaskCommand({ cluster: 'bench', taskDefinition: 'httpd', count: Math.min(10, TASKS - arns.length) }))
    if (failures.length > 0) throw new Error(`RunTask failures: ${JSON.stringify(failures)}`)
    arns.push(...tasks.map(t => t.taskArn))
  }
  await waitFor(`${TASKS} tasks RUNNING`, async () => {
    const { taskArns } = await ecs.send(new ListTasksCommand({ cluster: 'bench', desiredStatus: 'RUNNING', maxResults: 100 }))
    const described = []
    for (let i = 0; i < taskArns.length; i += 100) {
      const { tasks } = await ecs.send(new DescribeTasksCommand({ cluster: 'bench', tasks: taskArns.slice(i, i + 100) }))
      described.push(...tasks)
    }
    return described.filter(t => t.lastStatus === 'RUNNING').length >= TASKS
  }, 180_000)
  const rss = rssMiB(serverPid)
  for (const task of arns) await ecs.send(new StopTaskCommand({ cluster: 'bench', task }))
  return rss
}

async function cleanUp () {
  cleaningUp = true
  for (const c of children) c.kill('SIGTERM')
  await sleep(500)
  const left = await docker.listContainers({ all: true, filters: { label: [`ecs-emulator.bench=${RUN_ID}`] } })
  await Promise.all(left.map(c => docker.getContainer(c.Id).remove({ force: true }).catch(() => {})))
  const nets = await docker.listNetworks({ filters: { label: [`ecs-emulator.bench=${RUN_ID}`] } })
  await Promise.all(nets.map(n => docker.getNetwork(n.Id).remove().catch(() => {})))
  rmSync(dataDir, { recursive: true, force: true })
}

try {
  const { ecs, serverPid } = await setUp()
  await waitFor('the agent to join', () => joined(ecs))
  await ecs.send(new RegisterTaskDefinitionCommand({
    family: 'httpd',
    networkMode: 'bridge',
    containerDefinitions: [{ name: 'web', image: IMAGE, memory: 32, essential: true, stopTimeout: 1, command: ['httpd', '-f', '-p', '8080'], portMappings: [{ containerPort: 8080, hostPort: 0 }] }]
  }))
  await runTaskToRunning(ecs) // warm-up: first create on this image
  await bareDockerRun()
  const ecsTimes = []
  const dockerTimes = []
  for (let i = 0; i < RUNS; i++) {
    ecsTimes.push(await runTaskToRunning(ecs))
    dockerTimes.push(await bareDockerRun())
  }
  const ratio = median(ecsTimes) / median(dockerTimes)
  console.log(`RunTask → RUNNING (bridge, ${RUNS} runs): median ${median(ecsTimes).toFixed(1)} ms, min ${Math.min(...ecsTimes).toFixed(1)} ms`)
  console.log(`docker create+start (same image):       median ${median(dockerTimes).toFixed(1)} ms, min ${Math.min(...dockerTimes).toFixed(1)} ms`)
  console.log(`ratio ${ratio.toFixed(2)} (target ≤ 1.25) ${ratio <= 1.25 ? 'met' : 'NOT met'}`)
  const before = rssMiB(serverPid)
  const rss = await manyTasks(ecs, serverPid)
  console.log(`control plane RSS: ${before.toFixed(1)} MiB idle, ${rss.toFixed(1)} MiB with ${TASKS} running tasks`)
} finally {
  await cleanUp()
}
