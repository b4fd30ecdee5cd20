/**
 * The real CLI (dist/cli.js): `ecs-emulator up` starts the built-in agent as a child process,
 * which joins `default` on the local Docker engine, writes its state under the data dir and
 * stops with the server; `--no-agent` starts none.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { afterAll, describe, expect, it } from 'vitest'
import { DescribeContainerInstancesCommand, ECSClient, ListContainerInstancesCommand } from '@aws-sdk/client-ecs'
import { spawnServer } from '../support/process.js'
import { DOCKER_SKIP, hasDocker, removeByLabel, testRunLabel } from '../support/docker.js'
import { until } from './fake-engine.js'

const LABELS = testRunLabel('agent-cli')
const dir = mkdtempSync(join(tmpdir(), 'ecs-emulator-agent-cli-'))

afterAll(async () => {
  rmSync(dir, { recursive: true, force: true })
  if (hasDocker) await removeByLabel(LABELS)
})

const ecsAt = (url: string): ECSClient =>
  new ECSClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 })

/** The agent processes started from this data dir that are still alive. */
const agentsOf = (dataDir: string): string[] => {
  const r = spawnSync('pgrep', ['-af', `agent .*--data-dir ${dataDir}`], { encoding: 'utf8' })
  return r.stdout.split('\n').filter(l => l.includes('cli.js agent'))
}

describe.skipIf(!hasDocker)(`ecs-emulator up with the built-in agent ${DOCKER_SKIP}`, () => {
  it('joins default as a connected container instance and stops with the server', async () => {
    const labels = Object.entries(LABELS).map(([k, v]) => `${k}=${v}`).join(',')
    const server = await spawnServer(['--data-dir', dir], { ECS_EMULATOR_AGENT: 'true', ECS_EMULATOR_AGENT_LABELS: labels })
    try {
      const ecs = ecsAt(server.url)
      const arn = await until(async () => {
        const list = await ecs.send(new ListContainerInstancesCommand({ cluster: 'default' }))
        const found = list.containerInstanceArns?.[0]
        if (found === undefined) return undefined
        const d = await ecs.send(new DescribeContainerInstancesCommand({ cluster: 'default', containerInstances: [found] }))
        return d.containerInstances?.[0].agentConnected === true ? found : undefined
      }, () => `a connected container instance in default; server log:\n${server.lines.join('\n')}`)

      const d = await ecs.send(new DescribeContainerInstancesCommand({ cluster: 'default', containerInstances: [arn] }))
      expect(d.containerInstances?.[0].attributes).toContainEqual({ name: 'ecs-emulator.capability.fargate' })
      const state = JSON.parse(readFileSync(join(dir, 'agent', 'agent.json'), 'utf8')) as Record<string, string>
      expect(state).toMatchObject({ cluster: 'default', containerInstanceArn: arn })
      expect(server.lines.some(l => l.includes('"agent":"built-in"'))).toBe(true)
    } finally {
      await server.stop()
    }
    expect(agentsOf(dir)).toEqual([])
  })
})

describe('ecs-emulator up without a Docker engine', () => {
  it('keeps serving when the built-in agent finds no Docker engine, and says so once', async () => {
    const server = await spawnServer(['--data-dir', join(dir, 'no-docker')],
      { ECS_EMULATOR_AGENT: 'true', DOCKER_HOST: `unix://${join(dir, 'no-such.sock')}` })
    try {
      await until(() => server.lines.some(l => l.includes('is not restarted')), () => `the launcher's line:\n${server.lines.join('\n')}`)
      const reason = server.lines.find(l => l.includes('"agent":"built-in"') && l.includes('agent stopped'))
      expect(reason).toContain(`the Docker engine at unix://${join(dir, 'no-such.sock')} is not reachable (ENOENT)`)
      await new Promise(resolve => setTimeout(resolve, 1_500))
      expect(server.lines.filter(l => l.includes('is not restarted'))).toHaveLength(1)
      expect(server.lines.filter(l => l.includes('"msg":"agent started"'))).toHaveLength(1)
      const health = await fetch(`${server.url}/_emulator/health`)
      expect(health.status).toBe(200)
    } finally {
      await server.stop()
    }
  })
})

describe('ecs-emulator up --no-agent', () => {
  it('starts no agent and says so', async () => {
    const server = await spawnServer(['--data-dir', join(dir, 'none'), '--no-agent'])
    try {
      await until(() => server.lines.some(l => l.includes('no agent: the built-in agent and RunInstances agents are off')), 'the no-agent line')
      expect(existsSync(join(dir, 'none', 'agent'))).toBe(false)
      expect(server.lines.some(l => l.includes('"agent":"built-in"'))).toBe(false)
    } finally {
      await server.stop()
    }
  })
})
