/**
 * The HTTP surface: one Fastify server, one AWS endpoint at `/` for every service, and the
 * emulator's own endpoints under `/_emulator/`. Built here, listened on in src/server.ts.
 */
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify'
import type { Emulator } from '../src/emulator.js'
import { AwsError } from './errors.js'
import { Pipeline, errorResponse, type AwsHttpResponse, type Recorded } from './pipeline.js'
import type { Service } from './registry.js'
import { ecs } from './ecs/index.js'
import { iam } from './iam/index.js'
import { sts } from './sts/index.js'
import { logs } from './logs/index.js'
import { secretsmanager } from './secretsmanager/index.js'
import { ssm } from './ssm/index.js'
import { ecr } from './ecr/index.js'
import { VERSION } from '../src/version.js'
import { attachAgentSockets } from './acs.js'
import { registerInstanceRoutes } from './ec2/instances-route.js'
import { registerListenerRoutes } from '../src/elbv2/dataplane/routes.js'
import { efs } from './efs/index.js'
import { registerEfsRoutes } from './efs/mount-route.js'
import { ec2 } from './ec2/index.js'
import { elbv2 } from './elbv2/index.js'
import { explain } from '../src/drill/explain.js'
import { registerUiRoutes } from './ui/routes.js'

export const SERVICES: readonly Service[] = [ecs, iam, sts, logs, secretsmanager, ssm, ecr, ec2, efs, elbv2]

/** 10 MiB: larger bodies get AWS's framework error, never reach a handler. */
export const MAX_BODY = 10 * 1024 * 1024

export interface AppOptions {
  /** Called with every AWS response (tests check each against the service model). */
  onResponse?: (r: Recorded) => void
}

export function buildApp (emulator: Emulator, options: AppOptions = {}): FastifyInstance {
  const pipeline = new Pipeline(emulator, SERVICES, options.onResponse)
  const aws = awsEndpoint(pipeline, emulator)
  // The AWS endpoint is every request to `/`: it is answered straight from the Node request,
  // because Fastify's routing, hooks and body parsing cost as much again as the whole pipeline
  // (measured with bench/). Every other path goes through Fastify.
  const app = Fastify({
    logger: false,
    bodyLimit: MAX_BODY,
    serverFactory: handler => {
      const server = createServer((req, res) => {
        // One published port serves every load balancer: by its DNS name in the Host header.
        const lb = req.headers.host?.includes('.elb.amazonaws.com') === true
        if (lb && emulator.loadBalancers.serveByHost(req, res)) return
        if (isAwsPath(req.url)) aws(req, res)
        else handler(req, res)
      })
      server.keepAliveTimeout = 65_000
      attachAgentSockets(server, emulator)
      return server
    }
  })

  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body))

  app.get('/_emulator/health', async () => ({
    status: 'ok',
    version: VERSION,
    auth: emulator.config.auth,
    iam: emulator.config.iam,
    region: emulator.config.region,
    accountId: emulator.config.accountId,
    // ECS_EMULATOR_TIME_SCALE: AWS's delays (health checks, deregistration, grace, back-off) times this.
    timeScale: emulator.serviceScheduler.scale,
    // ECR's registry (Docker Registry HTTP API v2) on 127.0.0.1; null when it could not listen.
    registryPort: (await emulator.registry.ready()) ?? null,
    // Made anew by each reset: agents started elsewhere rejoin when it is not the one they joined under.
    generation: emulator.generation.current(),
    services: SERVICES.map(s => s.name)
  }))

  registerInstanceRoutes(app, emulator)
  registerListenerRoutes(app, emulator)
  registerEfsRoutes(app, emulator)
  // The dashboard: GET /_emulator/ui, its state and its live feed (api/ui/).
  registerUiRoutes(app, emulator)

  app.post('/_emulator/reset', async () => {
    const launcher = emulator.ec2.launcher
    if (launcher?.reset === undefined) emulator.reset()
    else await launcher.reset(() => emulator.reset())
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

  app.get('/_emulator/decisions/:id', async (req, reply) => {
    const found = emulator.decisions.get((req.params as { id: string }).id)
    return found ?? reply.code(404).send({ message: 'No such decision' })
  })

  // Why a task stopped: its stop code and reason, and the decision whose denial caused it.
  app.get('/_emulator/tasks', async (req, reply) => {
    const arn = (req.query as { arn?: string }).arn
    const task = arn === undefined ? undefined : emulator.ecs.tasks.byArn(arn)
    if (task === undefined) return reply.code(404).send({ message: 'No such task (give ?arn=TASK_ARN)' })
    return {
      taskArn: task.taskArn,
      lastStatus: task.lastStatus,
      desiredStatus: task.desiredStatus,
      stopCode: task.stopCode,
      stoppedReason: task.stoppedReason,
      stoppedBy: task.stoppedDecisionId === undefined ? undefined : emulator.decisions.get(task.stoppedDecisionId),
      decisions: emulator.decisions.query({ onBehalfOf: task.taskArn, limit: 100 })
    }
  })

  // What a service went through: its events, each with the decision whose denial caused it,
  // and every decision made on its behalf (the scheduler's calls as the service role).
  app.get('/_emulator/services', async (req, reply) => {
    const arn = (req.query as { arn?: string }).arn
    const service = arn === undefined ? undefined : emulator.ecs.services.byArn(arn)
    if (service === undefined) return reply.code(404).send({ message: 'No such service (give ?arn=SERVICE_ARN)' })
    return {
      serviceArn: service.serviceArn,
      status: service.status,
      roleArn: service.roleArn,
      timeScale: emulator.serviceScheduler.scale,
      events: service.events.map(e => ({
        ...e,
        createdAt: new Date(e.createdAt * 1000).toISOString(),
        decision: e.decisionId === undefined ? undefined : emulator.decisions.get(e.decisionId)
      })),
      decisions: emulator.decisions.query({ onBehalfOf: service.serviceArn, limit: 100 })
    }
  })

  // The chain from a symptom (task, service, container instance, i-..., target group, request
  // id) back to the denied decision, and the statement that would have allowed it.
  app.get('/_emulator/explain', async (req, reply) => {
    const q = req.query as { subject?: string, since?: string }
    const since = q.since === undefined ? undefined : Number(q.since)
    const found = q.subject === undefined || q.subject === '' ? undefined : explain(emulator, q.subject, { since })
    if (found !== undefined) return found
    const message = q.subject === undefined || q.subject === ''
      ? 'Nothing to explain (give ?subject=ARN|INSTANCE_ID|REQUEST_ID)'
      : `Nothing is known of ${q.subject}`
    return reply.code(404).send({ message })
  })

  app.setErrorHandler((err: Error & { statusCode?: number, code?: string }, req, reply) => {
    const query = /x-www-form-urlencoded/i.test(String(req.headers['content-type'] ?? ''))
    const error = new AwsError(query ? 'MalformedQueryString' : 'SerializationException', err.message, err.statusCode ?? 400)
    emulator.log.info({ errorCode: err.code }, 'rejected before routing')
    send(reply, errorResponse(error, query ? 'query' : 'json', randomUUID()))
  })

  app.setNotFoundHandler((req, reply) => {
    send(reply, errorResponse(new AwsError('UnknownOperationException', `No route for ${req.method} ${req.url.split('?')[0]}`, 404),
      'json', randomUUID()))
  })

  return app
}

function send (reply: FastifyReply, res: { status: number, headers: Record<string, string>, body: string }): void {
  reply.code(res.status).headers(res.headers).send(res.body)
}

/** restJson1 services (EFS) have their own paths, all under their API version. */
const REST_PREFIXES = ['/2015-02-01/']

const isAwsPath = (url: string | undefined): boolean => url === '/' || url?.startsWith('/?') === true ||
  REST_PREFIXES.some(p => url?.startsWith(p) === true)

/** Reads the body (at most MAX_BODY bytes), runs the pipeline and writes its answer. */
function awsEndpoint (pipeline: Pipeline, emulator: Emulator) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size <= MAX_BODY) chunks.push(chunk)
    })
    req.on('error', () => res.destroy())
    req.on('end', () => {
      const answer = size > MAX_BODY
        ? Promise.resolve(tooLarge(req))
        : pipeline.handle({
          method: req.method ?? 'GET',
          url: req.url ?? '/',
          headers: req.headers,
          body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks),
          sourceIp: req.socket.remoteAddress ?? ''
        })
      answer.then(r => {
        r.headers['content-length'] = String(Buffer.byteLength(r.body))
        res.writeHead(r.status, r.headers)
        res.end(r.body)
      }, (e: unknown) => {
        emulator.log.error({ err: { message: (e as Error).message } }, 'answer failed')
        res.destroy()
      })
    })
  }
}

/** AWS's front end words an oversized body this way; its error code here is unconfirmed. */
function tooLarge (req: IncomingMessage): AwsHttpResponse {
  const query = /x-www-form-urlencoded/i.test(String(req.headers['content-type'] ?? ''))
  const error = new AwsError(query ? 'ValidationError' : 'SerializationException',
    `HTTP content length exceeded ${MAX_BODY} bytes.`, 413)
  return errorResponse(error, query ? 'query' : 'json', randomUUID())
}
