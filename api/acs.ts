/**
 * The ACS and TCS websockets the agent opens on the control plane's own port:
 * `/acs/ws` and `/tcs/ws` (DiscoverPollEndpoint answers `…/acs/` and `…/tcs/`, and the agent
 * adds `ws`). The GET upgrade is SigV4-signed over an empty body for service `ecs`, as the
 * agent signs it; it is verified as the pipeline verifies any call, authorized in
 * src/acs/admission.ts, and handed to the hub as a session. A refused upgrade is an HTTP
 * error whose body is `{"EXCEPTION":"message"}`, which the agent logs before it retries.
 */
import { randomUUID } from 'node:crypto'
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import type { Emulator } from '../src/emulator.js'
import type { Caller } from '../src/iam/identity.js'
import { admit, FORBIDDEN, type AgentService } from '../src/acs/admission.js'
import { connectionError } from '../src/acs/protocol.js'
import type { AgentIdentity, AgentSocket } from '../src/acs/session.js'
import { isAwsError } from './errors.js'
import { checkScopeAndClock, readSignature, verifySignature } from './sigv4.js'

const PATHS: Record<string, AgentService> = { '/acs/ws': 'acs', '/tcs/ws': 'tcs' }

/** 16 MiB: a payload of many tasks stays far below it. */
const MAX_FRAME = 16 * 1024 * 1024

export function attachAgentSockets (server: Server, emulator: Emulator): void {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME })
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    upgrade(emulator, wss, req, socket, head).catch((e: unknown) => {
      emulator.log.error({ err: { message: (e as Error)?.message } }, 'agent upgrade failed')
      refuse(socket, 500, connectionError('ServerException', 'Internal server error'))
    })
  })
  // Upgraded sockets keep the HTTP server from closing: they end when it begins to close.
  const close = server.close.bind(server)
  server.close = ((callback?: (err?: Error) => void) => {
    for (const client of wss.clients) client.terminate()
    return close(callback)
  }) as Server['close']
}

async function upgrade (emulator: Emulator, wss: WebSocketServer, req: IncomingMessage,
  socket: Duplex, head: Buffer): Promise<void> {
  const url = req.url ?? '/'
  const q = url.indexOf('?')
  const service = PATHS[q < 0 ? url : url.slice(0, q)]
  if (service === undefined) {
    // As ACS and TCS answer other paths (seen for `GET /`): the message as the key, reversed.
    const unsupported = `Request to path ${url.split('?')[0]} is not supported`
    refuse(socket, 404, JSON.stringify({ [unsupported]: 'InvalidURIException' }))
    return
  }
  const log = emulator.log.child({ service, sourceIp: req.socket.remoteAddress })
  const now = new Date()

  // authenticate
  const who = await authenticate(emulator, req, now)
  if (!who.ok) {
    log.info({ reason: who.reason }, 'agent connection refused')
    refuse(socket, 403, connectionError('AccessDeniedException', FORBIDDEN))
    return
  }

  // authorize and look up
  const admission = admit(emulator, {
    service,
    caller: who.caller,
    region: who.region,
    sourceIp: req.socket.remoteAddress ?? '',
    query: new URLSearchParams(q < 0 ? '' : url.slice(q + 1)),
    endpoint: `http://${req.headers.host ?? `${emulator.config.host}:${emulator.config.port}`}`,
    requestId: randomUUID(),
    now
  })
  if (!admission.ok) {
    log.info({ principal: who.caller.principal.arn, status: admission.status,
      error: admission.error, reason: admission.reason, decisionId: admission.decisionId },
    'agent connection refused')
    refuse(socket, admission.status, connectionError(admission.error, admission.message))
    return
  }

  // open the session
  wss.handleUpgrade(req, socket, head, ws => {
    try {
      open(emulator, service, ws, admission.agent)
    } catch (e) {
      log.error({ err: { message: (e as Error)?.message } }, 'agent session failed to open')
      ws.terminate()
    }
  })
}

function open (emulator: Emulator, service: AgentService, ws: WebSocket,
  agent: AgentIdentity): void {
  const socket: AgentSocket = {
    send: text => ws.send(text),
    close: (code, reason) => ws.close(code, reason),
    terminate: () => ws.terminate()
  }
  const text = (data: RawData): string => Array.isArray(data)
    ? Buffer.concat(data).toString('utf8')
    : Buffer.from(data as ArrayBuffer).toString('utf8')
  ws.on('error', () => ws.terminate())
  if (service === 'acs') {
    const session = emulator.acs.openAgent(socket, agent)
    ws.on('message', data => session.receive(text(data)))
    ws.on('close', (code, reason) => emulator.acs.agentClosed(session, code, reason.toString()))
  } else {
    const session = emulator.acs.openTelemetry(socket, agent)
    ws.on('message', data => session.receive(text(data)))
    ws.on('close', (code, reason) => emulator.acs.telemetryClosed(session, code, reason.toString()))
  }
}

type Authenticated = { ok: true, caller: Caller, region: string } | { ok: false, reason: string }

/**
 * The caller of the signed GET, checked as the pipeline checks any call (scope `ecs`, the
 * clock, a known key, the signature over an empty body); `--auth open` takes any key.
 */
async function authenticate (emulator: Emulator, req: IncomingMessage,
  now: Date): Promise<Authenticated> {
  const { identity, config } = emulator
  const signed = {
    method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body: Buffer.alloc(0)
  }
  try {
    const sig = readSignature(signed, 'json')
    if (config.auth === 'open') {
      const r = sig === undefined ? undefined : identity.resolve(sig.accessKeyId, sig.sessionToken, now)
      const caller = r?.ok === true ? r.caller : identity.openCaller()
      return { ok: true, caller, region: sig?.region ?? config.region }
    }
    if (sig === undefined) return { ok: false, reason: 'not signed' }
    checkScopeAndClock(sig, 'ecs', 'json', now)
    const r = identity.resolve(sig.accessKeyId, sig.sessionToken, now)
    if (!r.ok) return { ok: false, reason: `${r.reason} access key ${sig.accessKeyId}` }
    await verifySignature(signed, sig, r.caller.secret, 'json')
    return { ok: true, caller: r.caller, region: sig.region }
  } catch (e) {
    if (isAwsError(e)) return { ok: false, reason: `${e.code}: ${e.message}` }
    throw e
  }
}

/** An HTTP answer on the raw socket, then the socket is closed. */
function refuse (socket: Duplex, status: number, body: string): void {
  if (!socket.writable) return
  socket.once('finish', () => socket.destroy())
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
    'Connection: close\r\nContent-Type: application/json\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
}
