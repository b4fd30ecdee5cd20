/**
 * The control plane's agent launcher with a stand-in agent script: the agent's log lines join
 * the server's log, a dead agent is restarted, a terminal exit (5) is not, and close stops it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import pino from 'pino'
import { AgentLauncher } from '../../src/agent-launcher.js'
import { until } from './fake-engine.js'

const dir = mkdtempSync(join(tmpdir(), 'ecs-emulator-launcher-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A stand-in for `cli.js agent ...`: logs its arguments as pino would, then acts on MODE. */
function script (mode: 'exit1' | 'exit5' | 'serve'): string {
  const path = join(dir, `${mode}.mjs`)
  writeFileSync(path, `
const args = process.argv.slice(2)
console.log(JSON.stringify({ level: 30, time: Date.now(), pid: process.pid, hostname: 'h', name: 'ecs-agent', args, msg: 'stand-in started' }))
console.error('a plain stderr line')
if (${JSON.stringify(mode)} === 'exit1') setTimeout(() => process.exit(1), 20)
else if (${JSON.stringify(mode)} === 'exit5') setTimeout(() => process.exit(5), 20)
else { process.on('SIGTERM', () => { console.log(JSON.stringify({ level: 30, msg: 'stand-in stopping' })); process.exit(0) }); setInterval(() => {}, 1000) }
`)
  return path
}

function launcher (mode: 'exit1' | 'exit5' | 'serve') {
  const lines: Record<string, unknown>[] = []
  const log = pino({ level: 'info' }, { write: (l: string) => { lines.push(JSON.parse(l) as Record<string, unknown>) } })
  const l = new AgentLauncher({ log, endpoint: 'http://0.0.0.0:4566', dataDir: join(dir, mode), cli: script(mode) })
  return { l, lines, started: () => lines.filter(x => x.msg === 'agent started').length }
}

describe('AgentLauncher', () => {
  it('starts the built-in agent for default with Fargate capacity and forwards its log lines', async () => {
    const { l, lines } = launcher('serve')
    l.startBuiltIn()
    const first = await until(() => lines.find(x => x.msg === 'stand-in started'), 'the agent\'s first line')
    expect(first).toMatchObject({ agent: 'built-in', level: 30 })
    expect(first.args).toEqual(['agent', '--endpoint', 'http://127.0.0.1:4566', '--cluster', 'default', '--fargate-capacity',
      '--data-dir', join(dir, 'serve', 'agent'), '--log-level', 'info'])
    expect(first.hostname).not.toBe('h') // the server's own fields, not the agent's
    await until(() => lines.find(x => x.msg === 'a plain stderr line' && x.stream === 'stderr'), 'the stderr line')

    await l.close()
    expect(lines.some(x => x.msg === 'stand-in stopping')).toBe(true)
    expect(lines.some(x => x.msg === 'agent exited unexpectedly; restarting')).toBe(false)
  })

  it('restarts an agent that died, and not one that ended terminally', async () => {
    const crashing = launcher('exit1')
    crashing.l.start({ instanceId: 'i-0123456789abcdef0', cluster: 'prod' } as never)
    await until(() => crashing.started() >= 2, 'a restart')
    const restart = crashing.lines.find(x => x.msg === 'agent exited unexpectedly; restarting')
    expect(restart).toMatchObject({ agent: 'i-0123456789abcdef0', exitCode: 1, restartInMs: 1000 })
    const args = crashing.lines.find(x => x.msg === 'stand-in started')?.args
    expect(args).toEqual(expect.arrayContaining(['--cluster', 'prod', '--instance-id', 'i-0123456789abcdef0']))
    await crashing.l.close()

    const terminal = launcher('exit5')
    terminal.l.startBuiltIn()
    await until(() => terminal.lines.find(x => x.exitCode === 5 && x.level === 50), 'the terminal line')
    await new Promise(resolve => setTimeout(resolve, 1_200))
    expect(terminal.started()).toBe(1)
    expect(terminal.lines.filter(x => x.exitCode === 5)).toHaveLength(1)
    await terminal.l.close()
  })
})
