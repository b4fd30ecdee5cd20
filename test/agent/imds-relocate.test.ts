/**
 * The agent's metadata client finds the service again after the control plane (which serves
 * it for the emulated instance) restarted on other ports.
 */
import { createServer, type Server } from 'node:http'
import { afterAll, describe, expect, it } from 'vitest'
import { ImdsClient } from '../../agent/imds.js'
import { freePort } from '../support/docker.js'

const servers: Server[] = []
afterAll(() => { for (const s of servers) s.close() })

async function imds (instanceId: string): Promise<string> {
  const server = createServer((req, res) => {
    if (req.method === 'PUT' && req.url === '/latest/api/token') return res.end('token-' + instanceId)
    if (req.headers['x-aws-ec2-metadata-token'] !== 'token-' + instanceId) { res.statusCode = 401; return res.end() }
    res.end(req.url === '/latest/meta-data/instance-id' ? instanceId : '')
  })
  servers.push(server)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  return `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
}

describe('ImdsClient', () => {
  it('asks where the service went when it stops answering, with a new token', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`
    const live = await imds('i-0123456789abcdef0')
    let asked = 0
    const client = new ImdsClient(dead, async () => { asked++; return live })
    expect(await client.instanceId()).toBe('i-0123456789abcdef0')
    expect(client.endpoint).toBe(live)
    expect(asked).toBe(1)
  })

  it('reports the service unreachable when it cannot be found again', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`
    const client = new ImdsClient(dead, async () => dead)
    await expect(client.instanceId()).rejects.toThrow(/is not reachable/)
  })
})
