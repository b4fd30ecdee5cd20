import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { ROOT, useEmulator } from '../support/emulator.js'
import { spawnServer } from '../support/process.js'

const t = useEmulator()

describe('GET /_emulator/health', () => {
  it('answers the version, the modes and the services', async () => {
    const res = await fetch(`${t.emu.url}/_emulator/health`)
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({
      status: 'ok', version: expect.stringMatching(/^\d+\.\d+\.\d+/), auth: 'strict', iam: 'enforce',
      region: 'us-east-1', accountId: '000000000000', timeScale: 1,
      registryPort: t.emu.emulator.registry.port, services: expect.arrayContaining(['ecs', 'iam', 'sts']),
      generation: t.emu.emulator.generation.current()
    })
  })

  it('says the state\'s generation, which a reset makes anew', async () => {
    const before = (await (await fetch(`${t.emu.url}/_emulator/health`)).json() as { generation: string }).generation
    expect(before).toMatch(/^[0-9a-f-]{36}$/)
    await fetch(`${t.emu.url}/_emulator/reset`, { method: 'POST' })
    const after = (await (await fetch(`${t.emu.url}/_emulator/health`)).json() as { generation: string }).generation
    expect(after).toMatch(/^[0-9a-f-]{36}$/)
    expect(after).not.toBe(before)
  })
})

describe('GET /_emulator/decisions', () => {
  it('lists decisions newest first, filtered by action and principal', async () => {
    await t.sts.send(new GetCallerIdentityCommand({}))
    const res = await fetch(`${t.emu.url}/_emulator/decisions?action=sts:GetCallerIdentity&principal=arn:aws:iam::000000000000:root`)
    const { decisions } = await res.json() as { decisions: any[] }
    expect(decisions.length).toBeGreaterThan(0)
    expect(decisions[0]).toMatchObject({
      principal: 'arn:aws:iam::000000000000:root', action: 'sts:GetCallerIdentity', resource: '*',
      decision: 'Allow', enforced: true, requestId: expect.any(String), context: expect.objectContaining({ 'aws:RequestedRegion': 'us-east-1' })
    })
    const none = await (await fetch(`${t.emu.url}/_emulator/decisions?decision=ExplicitDeny&action=sts:GetCallerIdentity`)).json() as { decisions: any[] }
    expect(none.decisions).toEqual([])
  })

  it('filters by the resource an internal step acted for, and by time', async () => {
    const root = { type: 'root' as const, arn: 'arn:aws:iam::000000000000:root', account: '000000000000', userId: '000000000000' }
    const task = 'arn:aws:ecs:us-east-1:000000000000:task/default/0123456789abcdef0123456789abcdef'
    const before = Date.now() / 1000
    t.emu.emulator.authorizer.check(root, 'logs:CreateLogStream', 'arn:aws:logs:us-east-1:000000000000:log-group:/ecs/web:log-stream:ecs/web/1',
      {}, { requestId: 'internal', region: 'us-east-1', now: new Date(), onBehalfOf: task })
    const query = async (q: string) => ((await (await fetch(`${t.emu.url}/_emulator/decisions?${q}`)).json()) as { decisions: any[] }).decisions
    expect(await query(`onBehalfOf=${encodeURIComponent(task)}`)).toMatchObject([{ action: 'logs:CreateLogStream', onBehalfOf: task, requestId: 'internal' }])
    expect((await query(`since=${before - 1}&action=logs:CreateLogStream`)).length).toBe(1)
    expect(await query(`until=${before - 3600}&action=logs:CreateLogStream`)).toEqual([])
    expect((await query(`since=${new Date((before - 1) * 1000).toISOString()}&action=logs:CreateLogStream`)).length).toBe(1)
  })

  it('never stores a secret', async () => {
    const text = await (await fetch(`${t.emu.url}/_emulator/decisions?limit=1000`)).text()
    expect(text).not.toMatch(/secretAccessKey|SessionToken|"test"/i)
  })
})

describe('the CLI', () => {
  let dir: string
  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'ecs-emulator-cli-')) })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('takes --data-dir, --region and --account-id and states both modes at start-up', async () => {
    const server = await spawnServer(['--data-dir', join(dir, 'a'), '--account-id', '123456789012', '--iam', 'soft'])
    try {
      const sts = new STSClient({ endpoint: server.url, region: 'eu-west-1', credentials: ROOT })
      expect((await sts.send(new GetCallerIdentityCommand({}))).Account).toBe('123456789012')
      const modes = server.lines.find(l => l.includes('"auth":"strict"'))
      expect(modes).toContain('iam soft: every decision is evaluated and logged, nothing is denied')
    } finally {
      await server.stop()
    }
  })

  it('refuses a bad option with a message and exit code 2', async () => {
    await expect(spawnServer(['--auth', 'maybe'])).rejects.toThrow(/exited 2[\s\S]*--auth must be one of strict, open, not 'maybe'/)
  })

  it('reads ECS_EMULATOR_* variables', async () => {
    const server = await spawnServer([], { ECS_EMULATOR_DATA_DIR: ':memory:', ECS_EMULATOR_AUTH: 'open' })
    try {
      const health = await (await fetch(`${server.url}/_emulator/health`)).json() as { auth: string }
      expect(health.auth).toBe('open')
    } finally {
      await server.stop()
    }
  })
})
