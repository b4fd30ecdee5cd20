import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pino from 'pino'
import { upCommand } from '../../src/commands/up.js'
import { agentCommand } from '../../src/commands/agent.js'
import { DOCKER_SKIP, hasDocker, removeByLabel, RUN_LABEL, SCOPE_LABEL, testRunLabel } from '../support/docker.js'
import { startEmulator, type TestEmulator } from '../support/emulator.js'
import { captured } from './support.js'
import { until } from '../support/until.js'

const NO_DOCKER = { DOCKER_HOST: 'unix:///nonexistent/docker.sock' }
const DOCKER_NOT_RUNNING = 'Docker is not running: start it with `sudo systemctl start docker` (or `dockerd &`)'

/** A logger into an array, and the messages logged so far. */
function logInto (): { log: pino.Logger, lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = []
  const log = pino({ level: 'info' }, { write: (line: string) => { lines.push(JSON.parse(line) as Record<string, unknown>) } })
  return { log, lines }
}

const messages = (lines: Record<string, unknown>[]): string[] => lines.map(l => String(l.msg))

describe('up', () => {
  let emu: TestEmulator
  beforeAll(async () => { emu = await startEmulator() })
  afterAll(async () => {
    await emu.close()
    expect(emu.violations).toEqual([])
  })

  it('serves until stopped, then exits 0', async () => {
    const stop = new AbortController()
    const c = captured({}, stop.signal)
    const { log, lines } = logInto()
    const running = upCommand(['--port', '0', '--data-dir', ':memory:', '--no-agent'], c.io, { log })
    await until(() => messages(lines).includes('ecs-emulator listening'), 'listening')
    const url = lines.find(l => l.msg === 'ecs-emulator listening')!.url as string
    const health = await (await fetch(`${url}/_emulator/health`)).json() as { status: string }
    expect(health.status).toBe('ok')
    stop.abort()
    expect(await running).toBe(0)
    expect(messages(lines)).toContain('no agent: the built-in agent and RunInstances agents are off (--no-agent)')
  })

  it('says the port is in use and that an emulator answers there, and exits 1', async () => {
    const c = captured()
    const code = await upCommand(['--port', String(emu.port), '--registry-port', '0', '--data-dir', ':memory:', '--no-agent',
      '--log-level', 'silent'], c.io)
    expect(code).toBe(1)
    expect(c.err()).toBe(`ecs-emulator up: port ${emu.port} is in use: pass --port N (0 takes a free one); ` +
      `an emulator already answers at ${emu.url} (\`ecs-emulator reset\` empties it)\n`)
  })

  it('says the port is in use when the registry port after it is taken too', async () => {
    const c = captured()
    const code = await upCommand(['--port', String(emu.port), '--registry-port', String(emu.port),
      '--data-dir', ':memory:', '--no-agent', '--log-level', 'silent'], c.io)
    expect(code).toBe(1)
    expect(c.err()).toMatch(new RegExp(`^ecs-emulator up: port ${emu.port} is in use: pass --port N \\(0 takes a free one\\)`))
  })

  it('says Docker is not running, and serves on', async () => {
    const stop = new AbortController()
    const c = captured(NO_DOCKER, stop.signal)
    const { log, lines } = logInto()
    const running = upCommand(['--port', '0', '--data-dir', ':memory:'], c.io, { log })
    await until(() => lines.some(l => l.level === 50), 'the Docker error')
    stop.abort()
    expect(await running).toBe(0)
    const error = lines.find(l => l.level === 50)!.msg as string
    expect(error).toBe(`${DOCKER_NOT_RUNNING} (the Docker engine at unix:///nonexistent/docker.sock is not reachable (ENOENT)). ` +
      'The built-in agent cannot run tasks without it and stops; the API serves on: restart `up` once Docker runs, or pass --no-agent to start without an agent')
  })

  it('exits 2 with its usage on a bad option, and shows examples with --help', async () => {
    const bad = captured()
    expect(await upCommand(['--prot', '1'], bad.io)).toBe(2)
    expect(bad.err()).toMatch(/^ecs-emulator up: unknown option --prot\n\nusage: ecs-emulator up/)
    const help = captured()
    expect(await upCommand(['--help'], help.io)).toBe(0)
    expect(help.out()).toContain('examples:\n  ecs-emulator up\n')
  })

  const scope = testRunLabel('cli-up')
  afterAll(async () => { if (hasDocker) await removeByLabel(scope) })

  it.skipIf(!hasDocker)(`says when the built-in agent has joined${DOCKER_SKIP}`, async () => {
    const stop = new AbortController()
    const c = captured({ PATH: process.env.PATH }, stop.signal)
    const { log, lines } = logInto()
    const running = upCommand(['--port', '0', '--data-dir', ':memory:'], c.io,
      { log, agentArgs: ['--label', `${RUN_LABEL}=${scope[RUN_LABEL]}`, '--label', `${SCOPE_LABEL}=cli-up`] })
    try {
      await until(() => messages(lines).some(m => m.startsWith('the built-in agent joined cluster default in ')),
        'the join', 45_000)
    } finally {
      stop.abort()
      await running
    }
    const joined = lines.find(l => String(l.msg).startsWith('the built-in agent joined'))!
    expect(joined.containerInstanceArn).toMatch(/^arn:aws:ecs:us-east-1:000000000000:container-instance\/default\/[0-9a-f]{32}$/)
    expect(joined.msg).toMatch(/^the built-in agent joined cluster default in \d+\.\d s: tasks can run$/)
  }, 60_000)
})

describe('agent', () => {
  it('says Docker is not running when started by hand, and exits 5 (terminal)', async () => {
    const c = captured(NO_DOCKER)
    expect(await agentCommand(['--cluster', 'web'], c.io)).toBe(5)
    expect(c.err()).toBe(`ecs-emulator agent: ${DOCKER_NOT_RUNNING} (the Docker engine at unix:///nonexistent/docker.sock is not reachable (ENOENT))\n`)
  })

  it('exits 2 on a bad option, and shows examples with --help', async () => {
    const bad = captured()
    expect(await agentCommand(['--clutser', 'web'], bad.io)).toBe(2)
    expect(bad.err()).toContain('usage: ecs-emulator agent')
    const help = captured()
    expect(await agentCommand(['--help'], help.io)).toBe(0)
    expect(help.out()).toContain('examples:\n  ecs-emulator agent --cluster web')
  })
})
