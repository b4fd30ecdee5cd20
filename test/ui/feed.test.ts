/**
 * The dashboard's endpoints without a browser: the page is one self-contained document, the
 * state is the read model, and the event stream sends a snapshot, then deltas as things change.
 */
import { describe, expect, it } from 'vitest'
import { CreateClusterCommand, DeleteClusterCommand, ListClustersCommand } from '@aws-sdk/client-ecs'
import { startEmulator, useEmulator } from '../support/emulator.js'
import { ACCOUNT, failure, userWithKey } from '../support/fixtures.js'

const t = useEmulator({ agent: false })

interface Stream { next (name: string): Promise<any>, close (): void }

/** Reads `/_emulator/ui/events` event by event. */
const events = async (): Promise<Stream> => eventsAt(t.emu.url)

async function eventsAt (url: string): Promise<Stream> {
  const abort = new AbortController()
  const res = await fetch(`${url}/_emulator/ui/events`, { signal: abort.signal })
  expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  return {
    async next (name) {
      for (;;) {
        const end = buffer.indexOf('\n\n')
        if (end >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const event = /^event: (.*)$/m.exec(block)?.[1]
          if (event === name) return JSON.parse(/^data: (.*)$/m.exec(block)![1])
          continue
        }
        const { value, done } = await reader.read()
        if (done) throw new Error(`the stream ended before a ${name} event`)
        buffer += value
      }
    },
    close: () => abort.abort()
  }
}

const clusterArn = (name: string): string => `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/${name}`

describe('GET /_emulator/ui', () => {
  it('serves one page that loads nothing from elsewhere', async () => {
    const res = await fetch(`${t.emu.url}/_emulator/ui`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8')
    const html = await res.text()
    expect(html).toMatch(/^<!doctype html>/)
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i)
    expect(html).not.toMatch(/https?:\/\//)
  })
})

describe('GET /_emulator/ui/events', () => {
  it('sends a snapshot, then a delta when a cluster is created and when it is deleted', async () => {
    await t.ecs.send(new CreateClusterCommand({ clusterName: 'before' }))
    const stream = await events()
    try {
      const snapshot = await stream.next('snapshot')
      expect(snapshot.clusters[clusterArn('before')]).toMatchObject({ name: 'before', status: 'ACTIVE', account: ACCOUNT, region: 'us-east-1' })
      expect(Object.keys(snapshot.tasks)).toEqual([])

      await t.ecs.send(new CreateClusterCommand({ clusterName: 'after' }))
      const created = await stream.next('delta')
      expect(created.put.clusters).toEqual({
        [clusterArn('after')]: { arn: clusterArn('after'), name: 'after', status: 'ACTIVE', account: ACCOUNT, region: 'us-east-1' }
      })
      expect(created.decisions.map((d: { action: string }) => d.action)).toContain('ecs:CreateCluster')

      await t.ecs.send(new DeleteClusterCommand({ cluster: 'after' }))
      const deleted = await stream.next('delta')
      expect(deleted.put.clusters[clusterArn('after')].status).toBe('INACTIVE')
    } finally {
      stream.close()
    }
  })

  it('sends each decision once, denials with their message', async () => {
    const stream = await events()
    try {
      await stream.next('snapshot')
      const erin = await userWithKey(t.iam, 'erin')
      const e = await failure(t.emu.clients(erin).ecs.send(new ListClustersCommand({})))
      let denial
      while (denial === undefined) {
        const delta = await stream.next('delta')
        denial = delta.decisions.find((d: { action: string }) => d.action === 'ecs:ListClusters')
      }
      expect(denial).toMatchObject({
        principal: `arn:aws:iam::${ACCOUNT}:user/erin`, decision: 'ImplicitDeny', enforced: true, resource: '*', message: e.message
      })
    } finally {
      stream.close()
    }
  })
})

describe('POST /_emulator/reset', () => {
  it('sends the removal of what it wiped, and that the decision log was emptied', async () => {
    const emu = await startEmulator({ agent: false })
    try {
      await emu.clients().ecs.send(new CreateClusterCommand({ clusterName: 'wiped' }))
      const res = await fetch(`${emu.url}/_emulator/ui/state`)
      expect(Object.keys((await res.json() as { clusters: object }).clusters)).toEqual([clusterArn('wiped')])
      const stream = await eventsAt(emu.url)
      try {
        await stream.next('snapshot')
        await fetch(`${emu.url}/_emulator/reset`, { method: 'POST' })
        const delta = await stream.next('delta')
        expect(delta.remove.clusters).toEqual([clusterArn('wiped')])
        expect(delta.decisionsCleared).toBe(true)
      } finally {
        stream.close()
      }
    } finally {
      await emu.close()
    }
    expect(emu.violations).toEqual([])
  })
})

describe('closing the emulator', () => {
  it('ends the open event streams instead of waiting for them', async () => {
    const emu = await startEmulator({ agent: false })
    const res = await fetch(`${emu.url}/_emulator/ui/events`)
    const reader = res.body!.getReader()
    await reader.read()
    await emu.close()
    expect(emu.violations).toEqual([])
    await expect(reader.read()).resolves.toMatchObject({ done: true })
  })
})

describe('GET /_emulator/ui/state', () => {
  it('answers the read model, the roles with what each was used for', async () => {
    const res = await fetch(`${t.emu.url}/_emulator/ui/state`)
    expect(res.status).toBe(200)
    const state = await res.json() as Record<string, Record<string, unknown>> & { decisions: { action: string }[] }
    expect(Object.keys(state).sort()).toEqual(['clusters', 'decisions', 'instances', 'roles', 'seq', 'services', 'targetGroups', 'tasks'])
    expect(state.decisions.some(d => d.action === 'ecs:CreateCluster')).toBe(true)
  })
})
