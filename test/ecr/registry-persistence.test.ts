/**
 * An image push that a restart interrupts: the upload started before it goes on after it, from
 * the bytes that had come, as Docker resumes one (GET for the progress, PATCH from there, PUT);
 * one never finished is removed after a week.
 */
import { createHash, randomUUID } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CreateRepositoryCommand, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr'
import { startEmulator, type TestEmulator } from '../support/emulator.js'

let dir: string
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'ecs-emulator-registry-')) })
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`

/** fetch against the emulator's registry with its ECR password; `path` may be a Location. */
function registry (emu: TestEmulator, password: string) {
  return async (path: string, init: RequestInit = {}) => {
    const { pathname, search } = new URL(path, 'http://registry')
    return await fetch(`http://127.0.0.1:${emu.emulator.registry.port!}${pathname}${search}`, {
      ...init, headers: { ...init.headers as Record<string, string>, Authorization: `Basic ${Buffer.from(`AWS:${password}`).toString('base64')}` }
    })
  }
}

async function closed (emu: TestEmulator): Promise<void> {
  await emu.close()
  expect(emu.violations).toEqual([])
}

describe('a blob upload across a restart', () => {
  it('goes on from the bytes that came before it, and the blob is served once its digest checks', async () => {
    const bytes = Buffer.from('the first half|and the second half')
    const first = await startEmulator({ dataDir: dir })
    let password: string
    let location: string
    try {
      const { ecr } = first.clients()
      await ecr.send(new CreateRepositoryCommand({ repositoryName: 'resumed' }))
      const { authorizationData } = await ecr.send(new GetAuthorizationTokenCommand({}))
      password = Buffer.from(authorizationData![0].authorizationToken!, 'base64').toString().slice(4)
      const call = registry(first, password)
      const start = await call('/v2/resumed/blobs/uploads/', { method: 'POST' })
      expect(start.status).toBe(202)
      const patched = await call(start.headers.get('location')!, {
        method: 'PATCH', body: bytes.subarray(0, 15), headers: { 'Content-Range': '0-14' }
      })
      expect(patched.headers.get('range')).toBe('0-14')
      location = patched.headers.get('location')!
    } finally {
      await closed(first)
    }

    // A file no upload row names (a data directory from before uploads were kept) goes at start.
    const orphan = join(dir, 'ecr', 'uploads', randomUUID())
    writeFileSync(orphan, 'bytes of an upload nobody can finish')
    const second = await startEmulator({ dataDir: dir })
    try {
      expect(existsSync(orphan)).toBe(false)
      const call = registry(second, password)
      const progress = await call(location)
      expect(progress.status).toBe(204)
      expect(progress.headers.get('range')).toBe('0-14')
      const rest = await call(location, { method: 'PATCH', body: bytes.subarray(15), headers: { 'Content-Range': `15-${bytes.length - 1}` } })
      expect(rest.headers.get('range')).toBe(`0-${bytes.length - 1}`)
      const done = await call(`${rest.headers.get('location')!}?digest=${sha(bytes)}`, { method: 'PUT' })
      expect(done.status).toBe(201)
      expect(Buffer.from(await (await call(`/v2/resumed/blobs/${sha(bytes)}`)).arrayBuffer())).toEqual(bytes)
      const gone = await call(location)
      expect(gone.status).toBe(404)

      const abandoned = (await call('/v2/resumed/blobs/uploads/', { method: 'POST' })).headers.get('location')!
      second.emulator.registry.purgeUploads(Date.now() + 6 * 86_400_000)
      expect((await call(abandoned)).status).toBe(204)
      second.emulator.registry.purgeUploads(Date.now() + 8 * 86_400_000)
      expect((await call(abandoned)).status).toBe(404)
      expect(existsSync(join(dir, 'ecr', 'uploads', abandoned.split('/').pop()!))).toBe(false)
    } finally {
      await closed(second)
    }
  })
})
