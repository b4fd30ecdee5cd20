import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam'
import { ListClustersCommand, CreateClusterCommand } from '@aws-sdk/client-ecs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decisionsCommand, sinceOf } from '../../src/commands/decisions.js'
import { resetCommand } from '../../src/commands/reset.js'
import { versionCommand } from '../../src/commands/version.js'
import { VERSION } from '../../src/version.js'
import { startEmulator, type Credentials, type TestEmulator } from '../support/emulator.js'
import { captured, deadEndpoint } from './support.js'
import { until } from '../support/until.js'

let emu: TestEmulator
let nobody: Credentials
let dead: string
const USER = 'arn:aws:iam::000000000000:user/nobody'

beforeAll(async () => {
  emu = await startEmulator()
  dead = await deadEndpoint()
  const { iam } = emu.clients()
  await iam.send(new CreateUserCommand({ UserName: 'nobody' }))
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'nobody' }))).AccessKey!
  nobody = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! }
  await emu.clients(nobody).ecs.send(new ListClustersCommand({})).catch(() => {})
})

afterAll(async () => {
  await emu.close()
  expect(emu.violations).toEqual([])
})

const noEmulator = (url: string): string =>
  `No emulator answers at ${url}: start one with \`npm start\` (or \`ecs-emulator up\`), or pass --endpoint (ECONNREFUSED)\n`

describe('decisions', () => {
  it('prints the decision log as a table, oldest first, denials marked', async () => {
    const c = captured()
    expect(await decisionsCommand(['--endpoint', emu.url], c.io)).toBe(0)
    const lines = c.out().split('\n')
    expect(lines[0]).toMatch(/^TIME +PRINCIPAL +ACTION +RESOURCE +DECISION$/)
    expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} +arn:aws:iam::000000000000:root +iam:CreateUser +arn:aws:iam::000000000000:user\/nobody +Allow$/)
    const denied = lines.find(l => l.includes('ecs:ListClusters'))!
    expect(denied).toMatch(new RegExp(`${USER} +ecs:ListClusters +\\* +✗ ImplicitDeny$`))
    const requestId = emu.emulator.decisions.query({ principal: USER })[0].requestId
    expect(c.out()).toContain(`1 of 3 denied (✗; ~ under --iam soft, not enforced): \`ecs-emulator explain ${requestId}\` says why\n`)
  })

  it('filters by principal, action and decision, and prints JSON newest first with --json', async () => {
    const c = captured({ AWS_ENDPOINT_URL: emu.url })
    expect(await decisionsCommand(['--principal', USER, '--decision', 'ImplicitDeny', '--json'], c.io)).toBe(0)
    const body = JSON.parse(c.out()) as { decisions: { principal: string, action: string, decision: string }[] }
    expect(body.decisions.map(d => [d.principal, d.action, d.decision]))
      .toEqual([[USER, 'ecs:ListClusters', 'ImplicitDeny']])

    const none = captured({ AWS_ENDPOINT_URL: emu.url })
    expect(await decisionsCommand(['--action', 'ecs:RunTask'], none.io)).toBe(0)
    expect(none.out()).toBe('no decisions match\n')
  })

  it('takes --since as epoch seconds, an ISO date or an age', () => {
    const now = Date.parse('2026-12-03T20:00:00Z')
    expect(sinceOf('1700000000', now)).toBe(1_700_000_000)
    expect(sinceOf('10m', now)).toBe(now / 1000 - 600)
    expect(sinceOf('2026-12-03T19:00:00Z', now)).toBe(now / 1000 - 3600)
    expect(sinceOf('yesterday', now)).toBeNull()
  })

  it('follows: prints the decisions made after it started until stopped', async () => {
    const stop = new AbortController()
    const c = captured({}, stop.signal)
    const running = decisionsCommand(['--endpoint', emu.url, '--follow', '--interval', '0.05',
      '--since', String(Date.now() / 1000 + 3600)], c.io)
    await until(() => c.err().includes('waiting for decisions'), 'the first poll')
    await emu.clients().ecs.send(new CreateClusterCommand({ clusterName: 'followed' }))
    await until(() => c.out().includes('ecs:CreateCluster'), 'the new decision')
    stop.abort()
    expect(await running).toBe(0)
    expect(c.out().split('\n').filter(l => l.includes('ecs:CreateCluster'))).toHaveLength(1)
  })

  it('follows with --json: one decision per line', async () => {
    const stop = new AbortController()
    const c = captured({}, stop.signal)
    const running = decisionsCommand(['--endpoint', emu.url, '--follow', '--json', '--interval', '0.05',
      '--action', 'iam:CreateUser'], c.io)
    await until(() => c.out() !== '', 'the first poll')
    stop.abort()
    expect(await running).toBe(0)
    const lines = c.out().trim().split('\n').map(l => JSON.parse(l) as { action: string })
    expect(lines.map(l => l.action)).toEqual(['iam:CreateUser'])
  })

  it('says what to do when no emulator answers, and exits 1', async () => {
    const c = captured({ AWS_ENDPOINT_URL: dead })
    expect(await decisionsCommand([], c.io)).toBe(1)
    expect(c.err()).toBe(`ecs-emulator decisions: ${noEmulator(dead)}`)
  })

  it('exits 2 with its usage on a bad option or value', async () => {
    for (const argv of [['--bogus'], ['--decision', 'Deny'], ['--limit', '0'], ['--since', 'later'], ['--action']]) {
      const c = captured()
      expect(await decisionsCommand(argv, c.io)).toBe(2)
      expect(c.err()).toContain('usage: ecs-emulator decisions')
    }
    const c = captured()
    await decisionsCommand(['--decision', 'Deny'], c.io)
    expect(c.err()).toMatch(/^ecs-emulator decisions: --decision is one of Allow, ImplicitDeny, ExplicitDeny, not 'Deny'\n/)
  })

  it('shows its options and examples with --help', async () => {
    const c = captured()
    expect(await decisionsCommand(['--help'], c.io)).toBe(0)
    expect(c.out()).toContain('examples:\n  ecs-emulator decisions --decision ImplicitDeny --since 10m\n')
  })
})

describe('version', () => {
  it('prints the version', async () => {
    const c = captured()
    expect(await versionCommand([], c.io)).toBe(0)
    expect(c.out()).toBe(`${VERSION}\n`)
  })

  it('prints JSON with Node\'s version, and the emulator\'s with --endpoint', async () => {
    const c = captured()
    expect(await versionCommand(['--json', '--endpoint', emu.url], c.io)).toBe(0)
    expect(JSON.parse(c.out())).toEqual({
      version: VERSION,
      node: process.version,
      emulator: { endpoint: emu.url, version: VERSION, region: 'us-east-1', accountId: '000000000000', auth: 'strict', iam: 'enforce' }
    })
  })

  it('says what to do when the emulator asked for does not answer', async () => {
    const c = captured()
    expect(await versionCommand(['--endpoint', dead], c.io)).toBe(1)
    expect(c.err()).toBe(`ecs-emulator version: ${noEmulator(dead)}`)
  })

  it('exits 2 on a bad option', async () => {
    const c = captured()
    expect(await versionCommand(['--verbose'], c.io)).toBe(2)
    expect(c.err()).toMatch(/^ecs-emulator version: unknown option --verbose\n\nusage: ecs-emulator version/)
  })
})

// Last: it empties the emulator the others read.
describe('reset', () => {
  it('says what to do when no emulator answers, and exits 1', async () => {
    const c = captured()
    expect(await resetCommand(['--endpoint', dead], c.io)).toBe(1)
    expect(c.err()).toBe(`ecs-emulator reset: ${noEmulator(dead)}`)
  })

  it('exits 2 on a bad option, and shows examples with --help', async () => {
    const bad = captured()
    expect(await resetCommand(['--force'], bad.io)).toBe(2)
    expect(bad.err()).toMatch(/^ecs-emulator reset: unknown option --force\n\nusage: ecs-emulator reset/)
    const help = captured()
    expect(await resetCommand(['-h'], help.io)).toBe(0)
    expect(help.out()).toContain('examples:\n  ecs-emulator reset\n')
  })

  it('empties the emulator and says so', async () => {
    const c = captured({ AWS_ENDPOINT_URL: emu.url })
    expect(await resetCommand([], c.io)).toBe(0)
    expect(c.out()).toBe(`reset ${emu.url}: its state is empty, and what its agents ran is stopped and removed\n`)
    const clusters = await emu.clients().ecs.send(new ListClustersCommand({}))
    expect(clusters.clusterArns).toEqual([])
  })

  it('prints JSON with --json', async () => {
    const c = captured()
    expect(await resetCommand(['--json', '--endpoint', `${emu.url}/`], c.io)).toBe(0)
    expect(JSON.parse(c.out())).toEqual({ endpoint: emu.url, reset: true })
  })
})
