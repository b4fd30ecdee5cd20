/**
 * The README's "Run a container" block, run as written with the AWS CLI against `ecs-emulator
 * up` and its built-in agent on the local Docker engine.
 */
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DescribeContainerInstancesCommand, ECSClient, ListContainerInstancesCommand } from '@aws-sdk/client-ecs'
import { until } from '../agent/fake-engine.js'
import { CLIS, cliTitle } from '../support/cli.js'
import { DOCKER_SKIP, ensureImages, hasDocker, removeByLabel, testRunLabel } from '../support/docker.js'
import { spawnServer, type ServerProcess } from '../support/process.js'

const LABELS = testRunLabel('readme-run')

function runBlock (url: string): string {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
  const block = /## Run a container\n[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)
  if (block === null) throw new Error('README has no "Run a container" section with an sh block')
  return block[1].split('\n').filter(l => !l.startsWith('scripts/images.sh'))
    .join('\n').replaceAll('http://127.0.0.1:4566', url)
}

const cli = CLIS.find(c => c.version === 1) ?? CLIS.find(c => c.version === 2 && c.bin !== '/usr/bin/aws')
let server: ServerProcess | undefined
const dir = mkdtempSync(join(tmpdir(), 'ecs-emulator-readme-'))

afterAll(async () => {
  await server?.stop()
  if (hasDocker) await removeByLabel(LABELS)
  rmSync(dir, { recursive: true, force: true })
})

describe.skipIf(cli === undefined || !hasDocker)(cliTitle(`README "Run a container"${DOCKER_SKIP}`), () => {
  it('runs as written: the task answers on its host port, then stops', async () => {
    await ensureImages()
    const labels = Object.entries(LABELS).map(([k, v]) => `${k}=${v}`).join(',')
    server = await spawnServer(['--data-dir', dir], { ECS_EMULATOR_AGENT: 'true', ECS_EMULATOR_AGENT_LABELS: labels })
    // A user pastes the block once `npm start` is up; the agent joins within a second or so.
    const ecs = new ECSClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } })
    await until(async () => {
      const { containerInstanceArns = [] } = await ecs.send(new ListContainerInstancesCommand({}))
      if (containerInstanceArns.length === 0) return false
      const { containerInstances = [] } = await ecs.send(new DescribeContainerInstancesCommand({ containerInstances: containerInstanceArns }))
      return containerInstances[0]?.agentConnected === true
    }, 'the built-in agent to join the default cluster', 30_000)
    const script = runBlock(server.url)
    const { stdout, stderr } = await new Promise<{ stdout: string, stderr: string }>((resolve, reject) => {
      execFile('bash', ['-ec', script], {
        env: { PATH: `${cli!.bin.includes('/') ? cli!.bin.replace(/\/aws$/, '') + ':' : ''}${process.env.PATH}`, HOME: process.env.HOME, AWS_PAGER: '', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' },
        timeout: 90_000
      }, (error, stdout, stderr) => error !== null ? reject(new Error(`${error.message}\n${stdout}\n${stderr}`)) : resolve({ stdout, stderr }))
    })
    expect(stderr).toBe('')
    expect(stdout).toContain('hello from ECS')
    expect(stdout).toContain('"STOPPED"')
  }, 120_000)
})
