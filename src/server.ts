/**
 * Starting and stopping the control plane: the emulator, its HTTP app, and a listening socket.
 */
import type { FastifyInstance } from 'fastify'
import { buildApp, SERVICES, type AppOptions } from '../api/app.js'
import type { Config } from './config.js'
import { Emulator } from './emulator.js'
import { ROOT_ACCESS_KEY } from './iam/identity.js'
import { createLogger, type Logger } from './log.js'

export interface RunningServer {
  url: string
  port: number
  emulator: Emulator
  app: FastifyInstance
  close (): Promise<void>
}

export async function startServer (config: Config, options: AppOptions & { log?: Logger } = {}): Promise<RunningServer> {
  const log = options.log ?? createLogger(config.logLevel)
  const emulator = new Emulator(config, log)
  // Every repositoryUri names the registry's port: it listens before the API answers.
  if (await emulator.registry.ready() === undefined) {
    emulator.close()
    throw new Error(`the ECR registry cannot listen on 127.0.0.1:${config.registryPort}: ` +
      'choose another port with --registry-port (0 takes a free one)')
  }
  const app = buildApp(emulator, options)
  try {
    await app.listen({ host: config.host, port: config.port })
  } catch (e) {
    // The port is taken (EADDRINUSE): the registry and the database are let go of too.
    await app.close()
    emulator.close()
    throw e
  }
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : config.port
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`
  log.info({
    url, dataDir: config.dataDir, region: config.region, accountId: config.accountId,
    services: SERVICES.map(s => s.name)
  }, 'ecs-emulator listening')
  log.info({ auth: config.auth, iam: config.iam }, authSummary(config))
  log.info({ accessKeyId: ROOT_ACCESS_KEY }, `credentials ${ROOT_ACCESS_KEY}/${ROOT_ACCESS_KEY} are the root user of account ${config.accountId}`)
  let closed = false
  return {
    url, port, emulator, app,
    async close () {
      if (closed) return
      closed = true
      await app.close()
      emulator.close()
    }
  }
}

function authSummary (config: Config): string {
  const auth = config.auth === 'strict'
    ? 'auth strict: every call must be SigV4-signed by a known key'
    : 'auth open: signatures are not checked and unknown keys act as the root user'
  const iam = config.iam === 'enforce'
    ? 'iam enforce: calls AWS would deny are denied'
    : 'iam soft: every decision is evaluated and logged, nothing is denied'
  return `${auth}; ${iam}`
}
