/**
 * The HTTP surface: one Fastify server, one AWS endpoint at `/` for every service, and the
 * emulator's own endpoints under `/_emulator/`. Built here, listened on in src/server.ts.
 */
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify'
import type { Emulator } from '../src/emulator.js'
import { AwsError } from './errors.js'
import { Pipeline, errorResponse, type Recorded } from './pipeline.js'
import type { Service } from './registry.js'
import { ecs } from './ecs/index.js'
import { iam } from './iam/index.js'
import { sts } from './sts/index.js'
import { VERSION } from '../src/version.js'

export const SERVICES: readonly Service[] = [ecs, iam, sts]

/** 10 MiB: larger bodies get AWS's framework error, never reach a handler. */
export const MAX_BODY = 10 * 1024 * 1024

export interface AppOptions {
  /** Called with every AWS response (tests check each against the service model). */
  onResponse?: (r: Recorded) => void
}

export function buildApp (emulator: Emulator, options: AppOptions = {}): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: MAX_BODY, keepAliveTimeout: 65_000 })
  const pipeline = new Pipeline(emulator, SERVICES, options.onResponse)

  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body))

  app.route({
    method: ['GET', 'POST'],
    url: '/',
    handler: async (req, reply) => {
      const res = await pipeline.handle({
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
        sourceIp: req.ip
      })
      send(reply, res)
    }
  })

  app.get('/_emulator/health', async () => ({
    status: 'ok',
    version: VERSION,
    auth: emulator.config.auth,
    iam: emulator.config.iam,
    region: emulator.config.region,
    accountId: emulator.config.accountId,
    services: SERVICES.map(s => s.name)
  }))

  app.post('/_emulator/reset', async () => {
    emulator.reset()
    return { reset: true }
  })

  app.get('/_emulator/decisions', async (req) => {
    const q = req.query as Record<string, string | undefined>
    const time = (v: string | undefined): number | undefined =>
      v === undefined ? undefined : (/^\d+(\.\d+)?$/.test(v) ? Number(v) : Date.parse(v) / 1000)
    return {
      decisions: emulator.decisions.query({
        principal: q.principal,
        action: q.action,
        decision: q.decision,
        onBehalfOf: q.onBehalfOf,
        since: time(q.since),
        until: time(q.until),
        limit: q.limit === undefined ? undefined : Number(q.limit)
      })
    }
  })

  app.setErrorHandler((err: Error & { statusCode?: number, code?: string }, req, reply) => {
    const query = /x-www-form-urlencoded/i.test(String(req.headers['content-type'] ?? ''))
    const tooLarge = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
    // AWS's front end words an oversized body this way; its error code here is unconfirmed.
    const error = tooLarge
      ? new AwsError(query ? 'ValidationError' : 'SerializationException', `HTTP content length exceeded ${MAX_BODY} bytes.`, 413)
      : new AwsError(query ? 'MalformedQueryString' : 'SerializationException', err.message, err.statusCode ?? 400)
    emulator.log.info({ errorCode: err.code }, 'rejected before routing')
    send(reply, errorResponse(error, query ? 'query' : 'json', crypto.randomUUID()))
  })

  app.setNotFoundHandler((req, reply) => {
    send(reply, errorResponse(new AwsError('UnknownOperationException', `No route for ${req.method} ${req.url.split('?')[0]}`, 404),
      'json', crypto.randomUUID()))
  })

  return app
}

function send (reply: FastifyReply, res: { status: number, headers: Record<string, string>, body: string }): void {
  reply.code(res.status).headers(res.headers).send(res.body)
}
