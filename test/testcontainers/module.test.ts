/**
 * The testcontainers module as a user meets it: the separate project in ./project/ (its own
 * package.json naming `ecs-emulator` by `file:../../..`, its own vitest config and a spec in
 * plain JavaScript) runs its own vitest against an image built from this checkout's Dockerfile.
 *
 * Offline, nothing is installed for it: the project finds testcontainers, vitest and the SDK in
 * the repository's node_modules by Node's upward lookup, and `ecs-emulator` in its own
 * node_modules, staged here as npm would install the package (package.json with its
 * `./testcontainers` export, and dist/testcontainers.js bundled from src/testcontainers/ as the
 * build bundles the CLI), then removed.
 */
import { spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import {
  existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DOCKER_SKIP, dockerode, ensureImages, hasDocker, IMAGES, removeByLabel, testRunLabel
} from '../support/docker.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const PROJECT = fileURLToPath(new URL('./project', import.meta.url))
const STAGED = join(PROJECT, 'node_modules')
const IMAGE = 'ecs-emulator:testcontainers-test'
const SCOPE = testRunLabel('testcontainers-module')
/** The export this module needs in the package's package.json (until it is there). */
const EXPORT = { './testcontainers': './dist/testcontainers.js' }

describe.skipIf(!hasDocker)(`EcsEmulatorContainer${DOCKER_SKIP}`, () => {
  let results: string

  beforeAll(async () => {
    await ensureImages()
    buildImage()
    await stagePackage()
    results = mkdtempSync(join(tmpdir(), 'ecs-emulator-testcontainers-'))
  }, 180_000)

  afterAll(async () => {
    rmSync(STAGED, { recursive: true, force: true })
    if (results !== undefined) rmSync(results, { recursive: true, force: true })
    await removeByLabel(SCOPE)
  })

  it('starts, runs a task from a separate project and removes its container on stop()', async () => {
    const result = join(results, 'result.json')
    const run = await runProject({ ECS_EMULATOR_IMAGE: IMAGE, ECS_EMULATOR_TEST_RESULT: result })

    expect(run.output).toContain('4 passed')
    expect(run.code, run.output).toBe(0)
    const seen = JSON.parse(readFileSync(result, 'utf8')) as { taskContainerId: string }
    await expect(dockerode().getContainer(seen.taskContainerId).inspect())
      .rejects.toMatchObject({ statusCode: 404 })
    expect(await leftovers()).toEqual({ containers: [], networks: [], volumes: [] })
  }, 90_000)
})

/**
 * The image as the README builds it, from the offline base; skipped when an image of the same
 * inputs (the Dockerfile, its ignore file, the manifests, dist/ and the installed packages'
 * lock) is there already, since copying node_modules twice takes a minute on a busy machine.
 */
function buildImage (): void {
  const inputs = imageInputs()
  const format = '{{ index .Config.Labels "ecs-emulator.inputs" }}'
  const current = spawnSync('docker', ['image', 'inspect', '-f', format, IMAGE], { encoding: 'utf8' })
  if (current.status === 0 && current.stdout.trim() === inputs) return
  const r = spawnSync('docker', ['build', '-q', '--build-arg', `NODE_IMAGE=${IMAGES.node}`,
    '--build-arg', 'BUILD_FROM=host', '--label', 'ecs-emulator.image=testcontainers-test',
    '--label', `ecs-emulator.inputs=${inputs}`, '-t', IMAGE, '.'], {
    cwd: ROOT, encoding: 'utf8', timeout: 170_000, env: { ...process.env, DOCKER_BUILDKIT: '0' }
  })
  if (r.status !== 0) {
    throw new Error(`docker build of the Dockerfile failed:\n${r.stdout}${r.stderr}`)
  }
}

function imageInputs (): string {
  const hash = createHash('sha256')
  const built = readdirSync(join(ROOT, 'dist'), { recursive: true, encoding: 'utf8' })
  const files = ['Dockerfile', '.dockerignore', 'package.json', 'package-lock.json',
    'node_modules/.package-lock.json', ...built.sort().map(f => join('dist', f))]
  for (const f of files) {
    const path = join(ROOT, f)
    if (!existsSync(path) || !statSync(path).isFile()) continue
    hash.update(`${f}\0`).update(readFileSync(path))
  }
  return hash.digest('hex').slice(0, 16)
}

async function stagePackage (): Promise<void> {
  const dir = join(STAGED, 'ecs-emulator')
  rmSync(STAGED, { recursive: true, force: true })
  mkdirSync(join(dir, 'dist'), { recursive: true })
  const own = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>
  const manifest = { ...own, exports: own.exports ?? EXPORT }
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2))
  await build({
    entryPoints: [join(ROOT, 'src/testcontainers/index.ts')],
    outfile: join(dir, 'dist/testcontainers.js'),
    bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external',
    logLevel: 'warning'
  })
}

/** `vitest run` in the project, as its `npm test` does; Ryuk cannot be pulled here. */
async function runProject (env: Record<string, string>): Promise<{ code: number | null, output: string }> {
  // The outer run's VITEST_* variables would make the inner vitest think it is a worker.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST')))
  const child = spawn(process.execPath, [join(ROOT, 'node_modules/vitest/vitest.mjs'), 'run'], {
    cwd: PROJECT,
    env: {
      ...inherited, ...env, TESTCONTAINERS_RYUK_DISABLED: 'true', NO_COLOR: '1', CI: '1',
      ECS_EMULATOR_TEST_LABELS: JSON.stringify(SCOPE)
    },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.on('data', (d: Buffer) => { output += String(d) })
  child.stderr.on('data', (d: Buffer) => { output += String(d) })
  const code = await new Promise<number | null>(resolve => child.once('close', resolve))
  return { code, output }
}

/** What the run left on the engine under its labels. */
async function leftovers (): Promise<Record<'containers' | 'networks' | 'volumes', string[]>> {
  const filters = { label: Object.entries(SCOPE).map(([k, v]) => `${k}=${v}`) }
  const containers = await dockerode().listContainers({ all: true, filters })
  const networks = await dockerode().listNetworks({ filters })
  const { Volumes: volumes } = await dockerode().listVolumes({ filters })
  return {
    containers: containers.map(c => c.Names[0]),
    networks: networks.map(n => n.Name),
    volumes: (volumes ?? []).map(v => v.Name)
  }
}
