/**
 * The drill command and its reports: usage and exit codes, one broken run through the CLI as a
 * user types it, the report formats of an ablation, and the shipped ablation report of
 * ec2-alb-service, which must have been made by this version from this scenario file.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { scenarioDigest, type AblationReport } from '../../src/drill/ablate.js'
import { formatHtml, formatMarkdown, formatTable, writeReports } from '../../src/drill/report.js'
import { VERSION } from '../../src/version.js'
import { DOCKER_SKIP, hasDocker } from '../support/docker.js'

const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url))
const DRILLS = fileURLToPath(new URL('../../examples/drills/', import.meta.url))

async function cli (args: string[]): Promise<{ status: number, stdout: string, stderr: string }> {
  return await new Promise(resolve => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', d => { stdout += String(d) })
    child.stderr.on('data', d => { stderr += String(d) })
    child.once('exit', code => resolve({ status: code ?? 1, stdout, stderr }))
  })
}

describe('ecs-emulator drill', () => {
  it('prints its usage, and exits 2 on what it cannot run', async () => {
    const help = await cli(['drill', '--help'])
    expect(help.status).toBe(0)
    expect(help.stdout).toContain('--break MUTATION')
    const none = await cli(['drill'])
    expect(none.status).toBe(2)
    expect(none.stderr).toContain('name a scenario')
    const wrong = await cli(['drill', 'ec2-alb-service', '--break', 'strip:ecsInstanceRole'])
    expect(wrong.status).toBe(2)
    expect(wrong.stderr).toContain("mutation 'strip:ecsInstanceRole': the kind must be one of")
    const missing = await cli(['drill', 'no-such-scenario'])
    expect(missing.status).toBe(2)
    expect(missing.stderr).toContain('no scenario file no-such-scenario')
  })

  it.skipIf(!hasDocker)(`runs a broken scenario: the failing step, what the user sees, the cause and its fix, exit 1${DOCKER_SKIP}`, async () => {
    const r = await cli(['drill', 'ec2-alb-service', '--break', 'remove-action:ecsInstanceRole:ecs:RegisterContainerInstance'])
    expect(r.status, r.stderr).toBe(1)
    expect(r.stderr).toMatch(/✗ \[\d+\/\d+\] the instance joins the cluster/)
    expect(r.stdout).toContain('first failure: the instance joins the cluster')
    expect(r.stdout).toContain('No container instance joined cluster web')
    expect(r.stdout).toMatch(/principal +arn:aws:sts::000000000000:assumed-role\/ecsInstanceRole\/i-[0-9a-f]+/)
    expect(r.stdout).toContain('no identity-based policy allows ecs:RegisterContainerInstance')
    expect(r.stdout).toContain('"Action": "ecs:RegisterContainerInstance"')
    expect(r.stdout).toContain('policy/AmazonEC2ContainerServiceforEC2Role-without-ecs-RegisterContainerInstance')
  }, 120_000)
})

const SAMPLE: AblationReport = {
  scenario: 'sample',
  description: 'A sample.',
  version: '9.9.9',
  timeScale: 0.05,
  generatedAt: '2026-12-03T00:00:00.000Z',
  scenarioDigest: 'ab'.repeat(32),
  cells: [
    { role: 'ecsInstanceRole', action: 'ecs:Poll', resources: ['*'], outcome: 'breaks', step: 'the instance joins', symptom: 'agentConnected: false', cause: 'P ecs:Poll: no identity-based policy allows ecs:Poll', showsAfterMs: 20_500 },
    { role: 'caller', action: 'ecs:DescribeTasks', resources: ['*'], outcome: 'no-effect' },
    { role: 'AWSServiceRoleForECS', action: 'elasticloadbalancing:RegisterTargets', resources: ['*'], outcome: 'breaks', step: 'the listener answers', symptom: 'GET / answered 503 | x', note: 'emulator only' }
  ],
  roles: [{ role: 'ecsInstanceRole', managed: ['AmazonEC2ContainerServiceforEC2Role'], notNeeded: ['ecs:CreateCluster'], notEmulated: ['ecs:PutSystemLogEvents'], leastPrivilege: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'ecs:Poll', Resource: '*' }] } }],
  text: ''
}

describe('ablation reports', () => {
  it('stamp every format with the version and the time scale, and link each cell of the HTML grid to its run', () => {
    const table = formatTable(SAMPLE)
    expect(table).toContain('ecs-emulator 9.9.9, time scale 0.05, scenario sample (sha256 abababababab)')
    expect(table).toMatch(/ecsInstanceRole +ecs:Poll +breaks at “the instance joins” +20\.5 s +agentConnected: false/)
    expect(table).toContain('granted, not needed here: ecs:CreateCluster')
    expect(table).toContain('granted, not emulated: ecs:PutSystemLogEvents')
    const md = formatMarkdown(SAMPLE)
    expect(md).toContain('| ecsInstanceRole | `ecs:Poll` | breaks at “the instance joins” | 20.5 s | agentConnected: false |')
    expect(md).toContain('GET / answered 503 \\| x')
    expect(md).toContain('(emulator only)')
    const html = formatHtml(SAMPLE)
    expect(html).toContain('<a class="cell breaks" href="#c-0"')
    expect(html).toContain('<section id="c-0">')
    expect(html).not.toMatch(/<script|<link|src="http/)
    const dir = mkdtempSync(join(tmpdir(), 'ecs-emulator-report-'))
    try {
      const files = writeReports(dir, SAMPLE)
      expect(files.map(f => f.slice(dir.length + 1))).toEqual(['ablation-sample.md', 'ablation-sample.json', 'ablation-sample.html'])
      expect(JSON.parse(readFileSync(files[1], 'utf8')).cells).toHaveLength(3)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('examples/drills/ablation-ec2-alb-service.md', () => {
  const file = `${DRILLS}ablation-ec2-alb-service.md`
  it('is shipped, made by this version from this scenario file (regenerate: README › Role drills)', () => {
    expect(existsSync(file), `${file} is missing`).toBe(true)
    const text = readFileSync(file, 'utf8')
    const stamp = /ecs-emulator (\S+), time scale ([\d.]+), scenario ec2-alb-service \(sha256 ([0-9a-f]{12})\)/.exec(text)
    expect(stamp, 'the report carries no stamp').not.toBeNull()
    const regenerate = 'node dist/cli.js drill ec2-alb-service --ablate --jobs 2 --out examples/drills'
    expect(stamp![1], `made by ${stamp![1]}, this is ${VERSION}: ${regenerate}`).toBe(VERSION)
    expect(stamp![3], `made from another ec2-alb-service.yaml: ${regenerate}`).toBe(scenarioDigest(`${DRILLS}ec2-alb-service.yaml`).slice(0, 12))
    for (const action of ['ecs:RegisterContainerInstance', 'ecs:Poll', 'ecr:GetAuthorizationToken', 'logs:CreateLogStream', 'elasticloadbalancing:RegisterTargets', 'iam:PassRole']) {
      expect(text).toContain(`\`${action}\``)
    }
  })
})
