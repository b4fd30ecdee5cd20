/**
 * A network load balancer's TCP (and TLS) listener: each connection goes, whole, to the next
 * routable target of the default action's group (round robin over the healthy ones, failing
 * open as ALB does); the bytes are relayed both ways untouched. With no routable target, or a
 * target that refuses, the connection is reset, as NLB resets it. A TLS listener terminates TLS
 * with the emulator's certificate (certificate.ts) and relays the plaintext.
 */
import net from 'node:net'
import type { Elbv2Store } from '../../../store/elbv2.js'
import type { ListenerRecord, TargetGroupRecord } from '../types.js'
import { RoundRobin, type TargetDialer } from './targets.js'

export class TcpForwarder {
  readonly #targets: RoundRobin

  constructor (readonly store: Elbv2Store, readonly dialer: TargetDialer) {
    this.#targets = new RoundRobin(store)
  }

  handle (listener: ListenerRecord, client: net.Socket): void {
    client.on('error', () => client.destroy())
    const tg = this.#group(listener)
    const target = tg === undefined ? undefined : this.#targets.next(tg)
    const address = tg === undefined || target === undefined ? undefined : this.dialer.address(tg.targetGroup, target)
    if (address === undefined || !this.dialer.reachable(address.host)) {
      client.resetAndDestroy()
      return
    }
    const upstream = net.connect(address.port, address.host)
    upstream.setNoDelay(true)
    client.setNoDelay(true)
    upstream.on('error', () => { if (!client.destroyed) client.resetAndDestroy() })
    client.on('close', () => upstream.destroy())
    upstream.on('close', () => client.destroy())
    client.pipe(upstream)
    upstream.pipe(client)
  }

  /** The group the listener's forward action names (its first, for weighted ones). */
  #group (listener: ListenerRecord): TargetGroupRecord | undefined {
    const action = listener.listener.DefaultActions.find(a => a.Type === 'forward')
    const arn = action?.TargetGroupArn ?? action?.ForwardConfig?.TargetGroups?.[0]?.TargetGroupArn
    return arn === undefined ? undefined : this.store.cachedGet<TargetGroupRecord>('target-group', arn)
  }
}
