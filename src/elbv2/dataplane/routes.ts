/**
 * The data plane on the emulator's own port: `GET /_emulator/listeners` (where each ELBv2
 * listener listens on this host, and the time scale it runs under), and every request whose
 * Host header is a load balancer's DNS name, handed to that load balancer's listener.
 */
import type { FastifyInstance } from 'fastify'
import type { DataPlane } from './index.js'

export function registerListenerRoutes (app: FastifyInstance,
  emulator: { loadBalancers: DataPlane }): void {
  app.addHook('onRequest', (request, reply, done) => {
    if (!emulator.loadBalancers.serveByHost(request.raw, reply.raw)) return done()
    void reply.hijack()
  })
  app.get('/_emulator/listeners', async () => ({
    timeScale: emulator.loadBalancers.scale,
    listeners: emulator.loadBalancers.mappings()
  }))
}
