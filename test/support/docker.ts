/**
 * Docker for tests: whether an engine answers, the offline images (scripts/images.sh, built
 * once per run by global-setup.ts), labels that tie what a test starts to this vitest run, and
 * removal by those labels.
 *
 * A test that needs Docker: `describe.skipIf(!hasDocker)(`RunTask${DOCKER_SKIP}`, ...)`,
 * `beforeAll(ensureImages)`, and a label on everything it starts:
 * `testRunLabel('my-file')`, removed in afterAll with `removeByLabel(testRunLabel('my-file'))`.
 * Give a scope: the bare run label is shared by every file of the run, so removing by it alone
 * would take other files' containers away while they run.
 */
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import Docker from 'dockerode'

export const IMAGES = {
  busybox: 'ecs-emulator/busybox:latest',
  node: `ecs-emulator/node:${process.versions.node.split('.')[0]}`,
  pause: 'amazon/amazon-ecs-pause:0.1.0',
  gitlabRunner: 'gitlab/gitlab-runner:latest'
} as const

export const RUN_LABEL = 'ecs-emulator.test-run'
export const SCOPE_LABEL = 'ecs-emulator.test-scope'

/** Set by global-setup.ts for the whole run; the variables workers inherit. */
const RUN_ENV = 'ECS_EMULATOR_TEST_RUN'
const IMAGES_ENV = 'ECS_EMULATOR_TEST_IMAGES'

const SCRIPT = fileURLToPath(new URL('../../scripts/images.sh', import.meta.url))

/** True when the docker CLI is installed and the engine answers (checked once per process). */
export const hasDocker: boolean = detectDocker()

/** Appended to a describe name: says why it is skipped when it is. */
export const DOCKER_SKIP = hasDocker ? '' : ' (skipped: no Docker engine answers `docker version`)'

function detectDocker (): boolean {
  const r = spawnSync('docker', ['version', '--format', '{{.Server.APIVersion}}'], {
    encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'ignore']
  })
  return r.status === 0 && r.stdout.trim() !== ''
}

/** This run's id: from global setup, or made once per process when a file runs without it. */
export function testRunId (): string {
  const id = process.env[RUN_ENV] ?? `run-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`
  process.env[RUN_ENV] = id
  return id
}

/** `{ 'ecs-emulator.test-run': <this run> }`, plus `ecs-emulator.test-scope` when given. */
export function testRunLabel (scope?: string): Record<string, string> {
  const labels: Record<string, string> = { [RUN_LABEL]: testRunId() }
  if (scope !== undefined) labels[SCOPE_LABEL] = scope
  return labels
}

/** The labels as `--label k=v` arguments (for the agent's command line). */
export function labelArgs (labels: Record<string, string>): string[] {
  return Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`])
}

let client: Docker | undefined

/** One dockerode client per process (DOCKER_HOST or /var/run/docker.sock). */
export function dockerode (): Docker {
  client ??= new Docker()
  return client
}

let building: Promise<void> | undefined

/**
 * Builds (or checks) the offline images once: global setup runs the script and marks the run;
 * a worker then only rethrows a failure global setup saw.
 */
export async function ensureImages (): Promise<void> {
  const state = process.env[IMAGES_ENV]
  if (state === 'ready') return
  if (state !== undefined && state.startsWith('failed:')) throw new Error(state.slice(7))
  building ??= runImagesScript().then(
    () => { process.env[IMAGES_ENV] = 'ready' },
    (e: Error) => { process.env[IMAGES_ENV] = `failed:${e.message}`; throw e }
  )
  return await building
}

async function runImagesScript (): Promise<void> {
  if (!hasDocker) throw new Error('scripts/images.sh needs a Docker engine and none answers')
  const child = spawn('bash', [SCRIPT], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (d: Buffer) => { output += String(d) })
  child.stderr.on('data', (d: Buffer) => { output += String(d) })
  const code = await new Promise<number | null>(resolve => child.once('close', resolve))
  if (code !== 0) throw new Error(`scripts/images.sh exited ${code}:\n${output}`)
  process.stderr.write(output)
}

/**
 * Force-removes every container carrying all of `labels` (with its anonymous volumes), then
 * the networks and volumes carrying them. Refuses an empty set of labels.
 */
export async function removeByLabel (labels: Record<string, string>): Promise<void> {
  const filters = { label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) }
  if (filters.label.length === 0) throw new Error('removeByLabel needs at least one label')
  const docker = dockerode()
  const containers = await docker.listContainers({ all: true, filters })
  await Promise.all(containers.map(async c =>
    await ignoreGone(docker.getContainer(c.Id).remove({ force: true, v: true }))))
  const networks = await docker.listNetworks({ filters })
  await Promise.all(networks.map(async n => await ignoreGone(docker.getNetwork(n.Id).remove())))
  const { Volumes: volumes } = await docker.listVolumes({ filters })
  await Promise.all((volumes ?? []).map(async v =>
    await ignoreGone(docker.getVolume(v.Name).remove())))
}

/** A 404 (already gone) or 409 (removal already in progress) is what we wanted anyway. */
async function ignoreGone (p: Promise<unknown>): Promise<void> {
  try {
    await p
  } catch (e) {
    const status = (e as { statusCode?: number }).statusCode
    if (status !== 404 && status !== 409) throw e
  }
}

/** The container's address on `network` (default: the default bridge, else its first network). */
export async function containerAddress (id: string, network?: string): Promise<string> {
  const { Networks: networks } = (await dockerode().getContainer(id).inspect()).NetworkSettings
  const chosen = network !== undefined ? networks[network] : networks.bridge ?? Object.values(networks)[0]
  const address = chosen?.IPAddress ?? ''
  if (address === '') throw new Error(`container ${id} has no address${network === undefined ? '' : ` on ${network}`}`)
  return address
}

/** A free TCP port on loopback (listen on 0, close, hand it out). */
export async function freePort (host = '127.0.0.1'): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, resolve)
  })
  const address = server.address()
  await new Promise<void>(resolve => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}
