/**
 * The newcomer's path without compose: `npm start` (the built CLI's `up`, with its built-in
 * agent joining `default`), then examples/alb-web-service's README commands, as the top-level
 * README says, to a service behind an ALB that answers curl. (docker compose's path is
 * scripts/compose-smoke.sh, which .ci/run runs after the suite.)
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CLIS, NO_CLI } from '../support/cli.js'
import { DOCKER_SKIP, ensureImages, hasDocker, removeByLabel, testRunLabel } from '../support/docker.js'
import { spawnServer, type ServerProcess } from '../support/process.js'
import { requests, runReadme, statusCounts } from './alb-support.js'

const LABELS = testRunLabel('npm-start')
const SKIP = DOCKER_SKIP !== '' ? DOCKER_SKIP : (CLIS.length === 0 ? ` (skipped: ${NO_CLI})` : '')
const dataDir = mkdtempSync(join(tmpdir(), 'ecs-emulator-npm-start-'))
let server: ServerProcess | undefined

describe.skipIf(!hasDocker || CLIS.length === 0)(`npm start, then the example's README${SKIP}`, () => {
  afterAll(async () => {
    await server?.stop()
    await removeByLabel(LABELS)
    rmSync(dataDir, { recursive: true, force: true })
  }, 60_000)

  it('serves a two-task service behind an ALB that answers curl, on the built-in agent', async () => {
    await ensureImages()
    server = await spawnServer(['--data-dir', dataDir, '--time-scale', '0.05'], {
      ECS_EMULATOR_AGENT: 'true',
      ECS_EMULATOR_AGENT_LABELS: Object.entries(LABELS).map(([k, v]) => `${k}=${v}`).join(',')
    })
    const readme = await runReadme(server.url)
    expect(readme.status, `${readme.stderr}\n${server.lines.slice(-20).join('\n')}`).toBe(0)
    // Its closing curl loop, after `aws ecs wait services-stable`: ten pages from both tasks.
    expect(readme.pages).toHaveLength(10)
    expect(new Set(readme.pages.map(p => p.split(' ')[0])).size).toBe(2)
    expect(statusCounts(await requests(`${readme.vars.LISTENER_URL}/app/`, 5))).toEqual({ 200: 5 })
  }, 180_000)
})
