/**
 * Running a command in-process: what it wrote to out and err, and a port nothing listens on.
 */
import { createServer } from 'node:net'
import type { CommandIo } from '../../src/commands/io.js'

export interface Captured {
  io: CommandIo
  out: () => string
  err: () => string
}

export function captured (env: CommandIo['env'] = {}, signal?: AbortSignal): Captured {
  const out: string[] = []
  const err: string[] = []
  return {
    io: { out: t => { out.push(t) }, err: t => { err.push(t) }, env, signal },
    out: () => out.join(''),
    err: () => err.join('')
  }
}

/** A loopback URL that refuses connections: a port taken from the kernel and let go. */
export async function deadEndpoint (): Promise<string> {
  const port = await new Promise<number>(resolve => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number }
      s.close(() => resolve(port))
    })
  })
  return `http://127.0.0.1:${port}`
}

