/**
 * Every request from a task that is not for credentials or metadata goes on to the control
 * plane unchanged: method, path and query, every header (Host included: the control plane
 * verifies SigV4 against the host the client signed, here 169.254.170.2) and the body.
 */
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { Logger } from 'pino'

export async function proxy (req: IncomingMessage, res: ServerResponse, endpoint: string,
  log: Logger): Promise<void> {
  const target = new URL(endpoint)
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest
  await new Promise<void>(resolve => {
    const upstream = send({
      protocol: target.protocol,
      hostname: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
      // No connection reuse across clients: each request is the client's own.
      agent: false
    }, (answer: IncomingMessage) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(res)
      answer.on('end', resolve)
      answer.on('error', () => { res.destroy(); resolve() })
    })
    upstream.on('error', (e: Error) => {
      log.warn({ err: { message: e.message }, url: req.url }, 'control plane unreachable from the endpoint proxy')
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' })
      res.end()
      resolve()
    })
    req.pipe(upstream)
  })
}
