/**
 * The agent's endpoint server (the real agent's 51679), reached from containers as
 * 169.254.170.2: task role credentials (`/v2/credentials/<id>`, `/v1/credentials?id=`), task
 * metadata v4 and v3 (`/v4/<id>`, `/task`, `/taskWithTags`, `/stats`, `/task/stats`), and for
 * every other request a proxy to the control plane, so that `AWS_ENDPOINT_URL=
 * http://169.254.170.2` works from inside a task. It listens on 127.0.0.1 only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import { credentialsAnswer, type CredentialsLookup } from './credentials.js'
import { proxy } from './proxy.js'

/** What the engine answers with; undefined means the id is not one it holds. */
export interface MetadataSource {
  container (id: string): object | undefined
  task (id: string, withTags: boolean): Promise<object | undefined>
  containerStats (id: string): Promise<object | undefined>
  taskStats (id: string): Promise<object | undefined>
}

export interface EndpointOptions {
  /** The control plane's URL: where every other request goes. */
  endpoint: string
  credentials: CredentialsLookup
  metadata: MetadataSource
  log: Logger
  /** The port to listen on again (an earlier run's), or 0 for any free one. */
  port?: number
}

export interface EndpointServer {
  readonly port: number
  close (): Promise<void>
}

export async function startEndpointServer (o: EndpointOptions): Promise<EndpointServer> {
  const server = createServer((req, res) => {
    route(req, res, o).catch((e: unknown) => {
      o.log.error({ err: e, url: req.url }, 'endpoint request failed')
      if (res.headersSent) return res.destroy()
      json(res, 500, { code: 'InternalServerError', message: 'Internal server error', HTTPErrorCode: 500 })
    })
  })
  const port = await listen(server, o.port ?? 0).catch(async () => await listen(server, 0))
  return {
    port,
    close: async () => {
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => resolve()))
    }
  }
}

async function listen (server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const fail = (e: Error) => reject(e)
    server.once('error', fail)
    server.listen(port, '127.0.0.1', () => {
      server.off('error', fail)
      resolve()
    })
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('endpoint server has no port')
  return address.port
}

const METADATA = /^\/v([34])\/([^/]+)(\/task|\/taskWithTags|\/stats|\/task\/stats)?\/?$/

async function route (req: IncomingMessage, res: ServerResponse,
  o: EndpointOptions): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://169.254.170.2')
  const path = url.pathname
  if (path === '/v2/credentials' || path.startsWith('/v2/credentials/') ||
    path === '/v1/credentials') {
    const answer = credentialsAnswer(path, url.searchParams, o.credentials)
    return json(res, answer.status, answer.body)
  }
  const m = METADATA.exec(path)
  if (m !== null && req.method === 'GET') return await metadata(res, m[1], m[2], m[3] ?? '', o.metadata)
  await proxy(req, res, o.endpoint, o.log)
}

/** The agent's 404 texts for an id it does not know (ecs-agent/tmds/handlers/v4). */
async function metadata (res: ServerResponse, version: string, id: string, what: string,
  source: MetadataSource): Promise<void> {
  const v = `V${version}`
  const noContainer = `unable to get container ID from request: unable to get docker ID from v3 endpoint ID: ${id}`
  const noTask = `unable to get task arn from request: unable to get task Arn from v3 endpoint ID: ${id}`
  const answer = (body: object | undefined, missing: string) =>
    body === undefined ? json(res, 404, missing) : json(res, 200, body)
  switch (what) {
    case '':
      return answer(source.container(id), `${v} container metadata handler: ${noContainer}`)
    case '/task':
    case '/taskWithTags':
      return answer(await source.task(id, what === '/taskWithTags' && version === '4'),
        `${v} task metadata handler: ${noTask}`)
    case '/stats':
      return answer(await source.containerStats(id), `${v} container stats handler: ${noTask}`)
    default:
      return answer(await source.taskStats(id), `${v} task stats handler: ${noTask}`)
  }
}

function json (res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text)
  })
  res.end(text)
}
