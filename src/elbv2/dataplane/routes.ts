/**
 * The data plane on the emulator's own port: `GET /_emulator/listeners` (where each ELBv2
 * listener listens on this host, and the time scale it runs under), `GET
 * /_emulator/certificate` (what HTTPS listeners serve), and every request whose
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
  // The certificate HTTPS listeners serve, to trust: `curl --cacert <(curl .../_emulator/certificate)`.
  app.get('/_emulator/certificate', async (request, reply) =>
    reply.type('application/x-pem-file').send(emulator.loadBalancers.certificate.cert))
}
