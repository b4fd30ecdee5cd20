/**
 * The ACS session against a stand-in ACS server on loopback: the agent's answers to each
 * server message, as the ECS agent's responders send them, and its reconnect behaviour.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocketServer, type WebSocket } from 'ws'
import pino from 'pino'
import { AcsSession, type AcsTarget, type TaskIdentifier } from '../../agent/acs-client.js'
import type { AcsCredentials, AcsTask } from '../../agent/acs-task.js'
import type { EcsApi } from '../../agent/ecs-api.js'
import { captureLog, until } from './fake-engine.js'

const CLUSTER = 'arn:aws:ecs:us-east-1:000000000000:cluster/probe'
const INSTANCE = 'arn:aws:ecs:us-east-1:000000000000:container-instance/probe/0123456789abcdef'
const TASK = 'arn:aws:ecs:us-east-1:000000000000:task/probe/11112222333344445555666677778888'
const CREDS = (id: string): Omit<AcsCredentials, 'roleType'> => ({
  credentialsId: id, accessKeyId: 'ASIA', secretAccessKey: 's', sessionToken: 't',
  expiration: '2030-01-01T00:00:00Z', roleArn: 'arn:aws:iam::000000000000:role/r'
})

interface StandIn {
  url: string
  /** Frames the agent sent, parsed. */
  received: { type: string, message: Record<string, unknown> }[]
  upgrades: IncomingMessage[]
  sockets: WebSocket[]
  send (type: string, message: object): void
  close (): Promise<void>
}

let stands: StandIn[] = []
let sessions: AcsSession[] = []

afterEach(async () => {
  await Promise.all(sessions.map(s => s.stop()))
  await Promise.all(stands.map(s => s.close()))
  stands = []
  sessions = []
})

/** An ACS stand-in; `refuse` answers every upgrade with that status and body instead. */
async function standIn (refuse?: { status: number, body: string }): Promise<StandIn> {
  const server: Server = createServer()
  const wss = new WebSocketServer({ noServer: true })
  const s: StandIn = {
    url: '', received: [], upgrades: [], sockets: [],
    send: (type, message) => { for (const ws of s.sockets) ws.send(JSON.stringify({ type, message })) },
    close: async () => {
      for (const ws of wss.clients) ws.terminate()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    s.upgrades.push(req)
    if (refuse !== undefined) {
      socket.end(`HTTP/1.1 ${refuse.status} Refused\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(refuse.body)}\r\nConnection: close\r\n\r\n${refuse.body}`)
      return
    }
    wss.handleUpgrade(req, socket, head, ws => {
      s.sockets.push(ws)
      ws.on('message', data => s.received.push(JSON.parse(String(data)) as StandIn['received'][number]))
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const address = server.address() as { port: number }
  s.url = `http://127.0.0.1:${address.port}/acs/`
  stands.push(s)
  return s
}

interface Recorded {
  tasks: AcsTask[]
  rejected: string[]
  credentials: { taskArn: string, credentials: AcsCredentials }[]
  stopped: TaskIdentifier[]
  running: string[]
}

function session (endpoint: string, options: { log?: pino.Logger, timeScale?: number, reject?: boolean } = {}):
  { session: AcsSession, seen: Recorded } {
  const seen: Recorded = { tasks: [], rejected: [], credentials: [], stopped: [], running: [TASK] }
  const target: AcsTarget = {
    acceptTask: task => {
      if (options.reject === true) throw new Error('cannot convert')
      seen.tasks.push(task)
    },
    rejectTask: task => seen.rejected.push(task.arn),
    acceptCredentials: (taskArn, credentials) => seen.credentials.push({ taskArn, credentials }),
    stopCandidates: manifest => seen.running
      .filter(arn => { const m = manifest.find(t => t.taskArn === arn); return m === undefined || m.desiredStatus === 'STOPPED' })
      .map(taskArn => ({ taskArn, desiredStatus: 'STOPPED' })),
    stopTasks: tasks => seen.stopped.push(...tasks)
  }
  const api = { discoverPollEndpoint: async () => ({ endpoint }) } as unknown as EcsApi
  const s = new AcsSession({
    api, log: options.log ?? pino({ level: 'silent' }), cluster: 'probe', containerInstanceArn: INSTANCE,
    region: 'us-east-1', credentials: async () => ({ accessKeyId: 'ASIAX', secretAccessKey: 'x', sessionToken: 'tok' }),
    dockerVersion: '20.10.24', target, timeScale: options.timeScale ?? 0.001
  })
  sessions.push(s)
  s.start()
  return { session: s, seen }
}

const payload = (messageId: string, tasks: object[], seqNum = 1) =>
  ({ messageId, clusterArn: CLUSTER, containerInstanceArn: INSTANCE, generatedAt: 1, seqNum, tasks })

const task = (desiredStatus: 'RUNNING' | 'STOPPED', more: object = {}) =>
  ({ arn: TASK, taskClusterArn: CLUSTER, family: 'f', version: '1', desiredStatus, containers: [], ...more })

describe('ACS responders', () => {
  it('acks a heartbeat with its messageId', async () => {
    const acs = await standIn()
    const { session: s } = session(acs.url)
    await until(() => s.connected, 'the socket')
    acs.send('HeartbeatMessage', { healthy: true, messageId: 'hb-1' })
    await until(() => acs.received.length > 0, 'an answer')
    expect(acs.received).toEqual([{ type: 'HeartbeatAckRequest', message: { messageId: 'hb-1' } }])
  })

  it('takes a payload\'s tasks and credentials and acks it, then each credentials set', async () => {
    const acs = await standIn()
    const { session: s, seen } = session(acs.url)
    await until(() => s.connected, 'the socket')
    acs.send('PayloadMessage', payload('p-1', [task('RUNNING', { roleCredentials: CREDS('c-task'), executionRoleCredentials: CREDS('c-exec') })]))
    await until(() => acs.received.length === 3, 'three answers')
    expect(acs.received).toEqual([
      { type: 'AckRequest', message: { cluster: CLUSTER, containerInstance: INSTANCE, messageId: 'p-1' } },
      { type: 'IAMRoleCredentialsAckRequest', message: { messageId: 'p-1', credentialsId: 'c-task', expiration: '2030-01-01T00:00:00Z' } },
      { type: 'IAMRoleCredentialsAckRequest', message: { messageId: 'p-1', credentialsId: 'c-exec', expiration: '2030-01-01T00:00:00Z' } }
    ])
    expect(seen.tasks.map(t => t.arn)).toEqual([TASK])
    expect(seen.credentials.map(c => [c.credentials.credentialsId, c.credentials.roleType]))
      .toEqual([['c-task', 'TaskApplication'], ['c-exec', 'TaskExecution']])
  })

  it('drops a payload without its ids, and does not ack one with a task it could not take', async () => {
    const acs = await standIn()
    const { session: s, seen } = session(acs.url, { reject: true })
    await until(() => s.connected, 'the socket')
    acs.send('PayloadMessage', { messageId: 'p-0', tasks: [task('RUNNING')] })
    acs.send('PayloadMessage', payload('p-2', [task('RUNNING')]))
    acs.send('HeartbeatMessage', { messageId: 'hb-2' })
    await until(() => acs.received.length > 0, 'an answer')
    expect(acs.received).toEqual([{ type: 'HeartbeatAckRequest', message: { messageId: 'hb-2' } }])
    expect(seen.rejected).toEqual([TASK])
  })

  it('takes refreshed credentials and acks them', async () => {
    const acs = await standIn()
    const { session: s, seen } = session(acs.url)
    await until(() => s.connected, 'the socket')
    acs.send('IAMRoleCredentialsMessage', { messageId: 'r-1', taskArn: TASK, taskClusterArn: CLUSTER, roleType: 'TaskExecution', roleCredentials: CREDS('c-2') })
    await until(() => acs.received.length > 0, 'an answer')
    expect(acs.received).toEqual([{ type: 'IAMRoleCredentialsAckRequest', message: { messageId: 'r-1', credentialsId: 'c-2', expiration: '2030-01-01T00:00:00Z' } }])
    expect(seen.credentials[0]).toMatchObject({ taskArn: TASK, credentials: { credentialsId: 'c-2', roleType: 'TaskExecution' } })
  })

  it('acks a manifest, names its stop candidates, and stops them once ACS verifies; a stale manifest is dropped', async () => {
    const acs = await standIn()
    const { session: s, seen } = session(acs.url)
    await until(() => s.connected, 'the socket')
    acs.send('PayloadMessage', payload('p-3', [task('RUNNING')], 5))
    acs.send('TaskManifestMessage', { messageId: 'm-stale', clusterArn: CLUSTER, containerInstanceArn: INSTANCE, generatedAt: 1, timeline: 5, tasks: [] })
    acs.send('TaskManifestMessage', { messageId: 'm-1', clusterArn: CLUSTER, containerInstanceArn: INSTANCE, generatedAt: 1, timeline: 6, tasks: [{ taskArn: TASK, desiredStatus: 'STOPPED' }] })
    await until(() => acs.received.length === 3, 'three answers')
    expect(acs.received.slice(1)).toEqual([
      { type: 'AckRequest', message: { cluster: CLUSTER, containerInstance: INSTANCE, messageId: 'm-1' } },
      { type: 'TaskStopVerificationMessage', message: { messageId: 'm-1', stopCandidates: [{ taskArn: TASK, desiredStatus: 'STOPPED' }] } }
    ])
    acs.send('TaskStopVerificationAck', { messageId: 'other', generatedAt: 1, stopTasks: [{ taskArn: 'x' }] })
    acs.send('TaskStopVerificationAck', { messageId: 'm-1', generatedAt: 1, stopTasks: [{ taskArn: TASK }] })
    await until(() => seen.stopped.length > 0, 'the stop')
    expect(seen.stopped).toEqual([{ taskArn: TASK }])
  })
})

describe('ACS connections', () => {
  it('sends sendCredentials=true on the first connection and false after it, reconnecting when dropped', async () => {
    const acs = await standIn()
    const { session: s } = session(acs.url)
    await until(() => s.connected, 'the socket')
    for (const ws of acs.sockets) ws.terminate()
    await until(() => acs.upgrades.length === 2 && s.connected, 'a second connection')
    const query = acs.upgrades.map(r => new URL(r.url!, 'http://x').searchParams.get('sendCredentials'))
    expect(query).toEqual(['true', 'false'])
    expect(acs.upgrades[0].headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=ASIAX\/\d{8}\/us-east-1\/ecs\/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, /)
    expect(acs.upgrades[0].headers['x-amz-security-token']).toBe('tok')
  })

  it('waits (an hour, scaled) after InactiveInstanceException instead of retrying at once', async () => {
    const acs = await standIn({ status: 400, body: '{"InactiveInstanceException":"Container instance 0123456789abcdef is inactive."}' })
    const { log, lines } = captureLog()
    session(acs.url, { log, timeScale: 0.01 }) // an hour is 36 s here
    await until(() => acs.upgrades.length === 1 && lines.some(l => l.includes('Container instance is deregistered')), 'the refusal')
    await new Promise(resolve => setTimeout(resolve, 300))
    expect(acs.upgrades).toHaveLength(1)
    const line = lines.map(l => JSON.parse(l) as { msg: string, call?: string }).find(l => l.call === 'ecs:Poll')
    expect(line?.msg).toBe('Container instance is deregistered: ecs:Poll: InactiveInstanceException: Container instance 0123456789abcdef is inactive.')
  })

  it('retries with back-off after an AccessDeniedException, logging the denied ecs:Poll', async () => {
    const acs = await standIn({ status: 403, body: '{"AccessDeniedException":"Forbidden"}' })
    const { log, lines } = captureLog()
    session(acs.url, { log })
    await until(() => acs.upgrades.length >= 3, 'three attempts')
    const denied = lines.map(l => JSON.parse(l) as { msg: string, call?: string, level: number }).filter(l => l.call === 'ecs:Poll')
    expect(denied[0]).toMatchObject({ level: 50, msg: 'Failed to connect to ACS: ecs:Poll: AccessDeniedException: Forbidden' })
  })
})
