import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { beforeAll, describe, expect, it } from 'vitest'
import { VERSION } from '../../src/version.js'
import { CLI } from '../support/process.js'
import { deadEndpoint } from './support.js'

const BUILT = existsSync(CLI)
const NOT_BUILT = BUILT ? '' : ' (skipped: dist/cli.js is not built: run `node scripts/build.mjs`, or `npm test`)'

interface Run { status: number, stdout: string, stderr: string }

/** Asynchronous: nothing here blocks the test process while the CLI runs. */
async function cli (args: string[], env: Record<string, string> = {}): Promise<Run> {
  return await new Promise(resolve => {
    const child = execFile(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, ...env }, timeout: 30_000 },
      (error, stdout, stderr) => resolve({ status: error === null ? 0 : (child.exitCode ?? -1), stdout, stderr }))
  })
}

describe.skipIf(!BUILT)(`dist/cli.js${NOT_BUILT}`, () => {
  let dead: string
  beforeAll(async () => { dead = await deadEndpoint() })

  it('lists every command with --help, and exits 0', async () => {
    const r = await cli(['--help'])
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/^usage: ecs-emulator COMMAND \[options\]/)
    for (const command of ['up', 'agent', 'drill', 'explain', 'decisions', 'reset', 'wait', 'version']) {
      expect(r.stdout).toMatch(new RegExp(`\\n  ${command} +\\S`))
    }
    expect(r.stdout).toContain('\nexamples:\n')
  })

  it('shows each command\'s examples with COMMAND --help', async () => {
    const runs = await Promise.all(['up', 'agent', 'drill', 'explain', 'decisions', 'reset', 'wait', 'version']
      .map(async command => [command, await cli([command, '--help'])] as const))
    for (const [command, r] of runs) {
      expect(r.status, command).toBe(0)
      expect(r.stdout, command).toContain(`usage: ecs-emulator ${command}`)
      expect(r.stdout, command).toContain(`\nexamples:\n  ecs-emulator ${command}`)
    }
  })

  it('prints the version with version and --version', async () => {
    const [a, b] = await Promise.all([cli(['version']), cli(['--version'])])
    expect([a.status, a.stdout, b.status, b.stdout]).toEqual([0, `${VERSION}\n`, 0, `${VERSION}\n`])
  })

  it('exits 2 on an unknown command, with the usage', async () => {
    const r = await cli(['deploy'])
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/^ecs-emulator: unknown command 'deploy'\n\nusage: ecs-emulator COMMAND/)
  })

  it('prints only its own words on stderr, not the SDK\'s notice about Node 22 (on Node 20)', async () => {
    const r = await cli(['wait', 'tasks-running', '--endpoint', dead, '--cluster', 'c', '--tasks', 'x'],
      { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' })
    expect(r.status).toBe(1)
    expect(r.stderr).toBe(`ecs-emulator wait: No emulator answers at ${dead}: start one with \`npm start\` (or \`ecs-emulator up\`), or pass --endpoint (ECONNREFUSED)\n`)
  })

  it('exits 1 and says what to do when no emulator answers', async () => {
    const r = await cli(['decisions'], { AWS_ENDPOINT_URL: dead })
    expect(r.status).toBe(1)
    expect(r.stderr).toBe(`ecs-emulator decisions: No emulator answers at ${dead}: start one with \`npm start\` (or \`ecs-emulator up\`), or pass --endpoint (ECONNREFUSED)\n`)
  })

  it('says Docker is not running before a drill starts, and exits 1', async () => {
    const r = await cli(['drill', 'fargate-alb-service'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' })
    expect(r.status).toBe(1)
    expect(r.stderr).toBe('ecs-emulator drill: Docker is not running: start it with `sudo systemctl start docker` (or `dockerd &`) ' +
      '(the Docker engine at unix:///nonexistent/docker.sock is not reachable (ENOENT))\n')
  })
})
