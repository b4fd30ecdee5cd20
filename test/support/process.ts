/**
 * Runs the real CLI (`dist/cli.js`, built by `npm test` before vitest starts) as a child
 * process on a free port, and waits for its "listening" log line.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url))

export interface ServerProcess {
  url: string
  child: ChildProcess
  lines: string[]
  /** SIGKILL: no chance to flush or close anything. */
  kill (): Promise<void>
  stop (): Promise<void>
}

export async function spawnServer (args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [CLI, 'up', '--port', '0', ...args], {
    // No built-in agent unless a test asks for one (ECS_EMULATOR_AGENT: 'true'): it needs Docker.
    env: { PATH: process.env.PATH, ECS_EMULATOR_AGENT: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const lines: string[] = []
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line in 10 s:\n${lines.join('\n')}`)), 10_000)
    createInterface({ input: child.stdout! }).on('line', line => {
      lines.push(line)
      const m = /"url":"(http:\/\/[^"]+)"/.exec(line)
      if (m !== null) { clearTimeout(timer); resolve(m[1]) }
    })
    child.stderr!.on('data', d => lines.push(String(d)))
    child.once('exit', code => { clearTimeout(timer); reject(new Error(`exited ${code}:\n${lines.join('\n')}`)) })
  })
  const ended = (signal: NodeJS.Signals) => new Promise<void>(resolve => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill(signal)
  })
  return { url, child, lines, kill: () => ended('SIGKILL'), stop: () => ended('SIGTERM') }
}
