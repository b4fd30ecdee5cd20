import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import tls from 'node:tls'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { useEmulator } from '../support/emulator.js'
import { until } from '../support/until.js'
import { ec2Ok, filters, items } from '../ec2/client.js'
import { elbOk, members } from './client.js'
import { ELB_ERROR_BODIES } from '../../src/elbv2/rules.js'
import { matches, probeTimeout } from '../../src/elbv2/dataplane/health.js'
import type { TargetGroup } from '../../src/elbv2/types.js'

const traceIdPattern = /^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/

process.env.ECS_EMULATOR_TIME_SCALE = '0.05'

const t = useEmulator()
const ok = (action: string, input: object = {}) => elbOk(t.emu.url, action, input)

interface Target { port: number, server: http.Server, seen: http.IncomingHttpHeaders[], status: number, delayMs: number }

const targets: Target[] = []
const closers: (() => void)[] = []

async function target (name: string): Promise<Target> {
  const tgt: Target = { port: 0, server: http.createServer(), seen: [], status: 200, delayMs: 0 }
  tgt.server.on('request', (req, res) => {
    if (req.url !== '/health') tgt.seen.push(req.headers)
    const reply = () => res.writeHead(req.url === '/health' ? tgt.status : 200).end(`${name} ${req.url}`)
    if (tgt.delayMs > 0 && req.url !== '/health') setTimeout(reply, tgt.delayMs)
    else reply()
  })
  await new Promise<void>(resolve => tgt.server.listen(0, '127.0.0.1', resolve))
  tgt.port = (tgt.server.address() as AddressInfo).port
  targets.push(tgt)
  return tgt
}

/** A port nothing listens on. */
async function deadPort (): Promise<number> {
  const s = http.createServer()
  await new Promise<void>(resolve => s.listen(0, '127.0.0.1', resolve))
  const port = (s.address() as AddressInfo).port
  await new Promise(resolve => s.close(resolve))
  return port
}

let vpcId = ''
let subnets: string[] = []
let n = 0

beforeAll(async () => {
  const vpc = items((await ec2Ok(t.emu.url, 'DescribeVpcs', filters(['is-default', ['true']]))).vpcSet)[0]
  vpcId = vpc.vpcId
  subnets = items((await ec2Ok(t.emu.url, 'DescribeSubnets', filters(['vpc-id', [vpcId]]))).subnetSet)
    .map((s: any) => s.subnetId).slice(0, 2)
})

afterAll(async () => {
  for (const c of closers) c()
  await Promise.all(targets.map(tgt => new Promise(resolve => {
    tgt.server.closeAllConnections()
    tgt.server.close(resolve)
  })))
})

async function loadBalancer (attributes: Record<string, string> = {}): Promise<string> {
  const lb = members((await ok('CreateLoadBalancer', { Name: `dp${++n}`, Subnets: subnets })).LoadBalancers)[0]
  const Attributes = Object.entries(attributes).map(([Key, Value]) => ({ Key, Value }))
  if (Attributes.length > 0) await ok('ModifyLoadBalancerAttributes', { LoadBalancerArn: lb.LoadBalancerArn, Attributes })
  return lb.LoadBalancerArn
}

async function targetGroup (ports: number[], more: object = {}): Promise<string> {
  const tg = members((await ok('CreateTargetGroup', {
    Name: `dp${++n}`, Protocol: 'HTTP', Port: 80, VpcId: vpcId, TargetType: 'ip', HealthCheckPath: '/health',
    HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2, HealthyThresholdCount: 2,
    UnhealthyThresholdCount: 2, ...more
  })).TargetGroups)[0]
  const arn = tg.TargetGroupArn as string
  if (ports.length > 0) await ok('RegisterTargets', { TargetGroupArn: arn, Targets: ports.map(Port => ({ Id: '127.0.0.1', Port })) })
  return arn
}

/** A listener on port 80 (privileged: it gets a free host port); its URL. */
async function listener (lbArn: string, defaultActions: object[], port = 80): Promise<{ arn: string, url: string }> {
  const l = members((await ok('CreateListener', { LoadBalancerArn: lbArn, Protocol: 'HTTP', Port: port, DefaultActions: defaultActions })).Listeners)[0]
  const hostPort = await t.emu.emulator.loadBalancers.waitFor(l.ListenerArn)
  expect(hostPort).toBeDefined()
  return { arn: l.ListenerArn, url: `http://127.0.0.1:${hostPort}` }
}

const forward = (TargetGroupArn: string) => [{ Type: 'forward', TargetGroupArn }]

async function health (tgArn: string): Promise<any[]> {
  const r = await ok('DescribeTargetHealth', { TargetGroupArn: tgArn })
  return members(r.TargetHealthDescriptions).map((d: any) => ({ port: Number(d.Target.Port), ...d.TargetHealth }))
}

const allIn = (tgArn: string, state: string) => async () =>
  (await health(tgArn)).every(h => h.State === state)

describe('listener', () => {
  it('round-robins across two healthy targets and adds the X-Forwarded headers', async () => {
    const [a, b] = [await target('a'), await target('b')]
    const tg = await targetGroup([a.port, b.port])
    const { url } = await listener(await loadBalancer(), forward(tg))
    await until(allIn(tg, 'healthy'), 'every target healthy')
    const bodies: string[] = []
    for (let i = 0; i < 4; i++) bodies.push(await (await fetch(`${url}/x`, { headers: { 'x-forwarded-for': '203.0.113.9' } })).text())
    expect(bodies.map(s => s[0]).sort()).toEqual(['a', 'a', 'b', 'b'])
    expect(bodies[0][0]).not.toBe(bodies[1][0])
    const seen = a.seen[0]
    expect(seen['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1')
    expect(seen['x-forwarded-proto']).toBe('http')
    expect(seen['x-forwarded-port']).toBe('80')
    expect(seen['x-amzn-trace-id']).toMatch(traceIdPattern)
  })

  it('serves HTTPS with the emulator\'s own certificate, valid for the load balancer\'s DNS name', async () => {
    const a = await target('tls')
    const tg = await targetGroup([a.port])
    const lbArn = await loadBalancer()
    const lb = members((await ok('DescribeLoadBalancers', { LoadBalancerArns: [lbArn] })).LoadBalancers)[0]
    const l = members((await ok('CreateListener', {
      LoadBalancerArn: lbArn, Protocol: 'HTTPS', Port: 443, DefaultActions: forward(tg),
      Certificates: [{ CertificateArn: 'arn:aws:acm:us-east-1:000000000000:certificate/0f1e2d3c-0000-4000-8000-000000000000' }]
    })).Listeners)[0]
    const hostPort = await t.emu.emulator.loadBalancers.waitFor(l.ListenerArn)
    await until(allIn(tg, 'healthy'), 'every target healthy')
    const ca = await (await fetch(`${t.emu.url}/_emulator/certificate`)).text()
    expect(ca).toMatch(/^-----BEGIN CERTIFICATE-----/)
    const body = await new Promise<string>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port: hostPort, path: '/secure', ca, servername: lb.DNSName, headers: { host: lb.DNSName } }, res => {
        let text = ''
        res.on('data', d => { text += String(d) })
        res.on('end', () => resolve(text))
      }).on('error', reject)
    })
    expect(body).toBe('tls /secure')
    const seen = a.seen.at(-1)!
    expect(seen['x-forwarded-proto']).toBe('https')
    expect(seen['x-forwarded-port']).toBe('443')
  })

  it('follows a path rule to another group and answers a fixed response', async () => {
    const [a, b] = [await target('main'), await target('api')]
    const [tgMain, tgApi] = [await targetGroup([a.port]), await targetGroup([b.port])]
    const { arn, url } = await listener(await loadBalancer(), forward(tgMain))
    await ok('CreateRule', { ListenerArn: arn, Priority: 10, Conditions: [{ Field: 'path-pattern', Values: ['/api/*'] }], Actions: forward(tgApi) })
    await ok('CreateRule', {
      ListenerArn: arn, Priority: 20, Conditions: [{ Field: 'path-pattern', Values: ['/teapot'] }],
      Actions: [{ Type: 'fixed-response', FixedResponseConfig: { StatusCode: '418', ContentType: 'text/plain', MessageBody: 'short and stout' } }]
    })
    await until(async () => (await allIn(tgMain, 'healthy')()) && (await allIn(tgApi, 'healthy')()), 'both groups healthy')
    expect(await (await fetch(`${url}/api/users`)).text()).toBe('api /api/users')
    expect(await (await fetch(`${url}/home`)).text()).toBe('main /home')
    const tea = await fetch(`${url}/teapot`)
    expect([tea.status, tea.headers.get('server'), await tea.text()]).toEqual([418, 'awselb/2.0', 'short and stout'])
  })

  it('answers ALB\'s 503 page when the group has no target', async () => {
    const { url } = await listener(await loadBalancer(), forward(await targetGroup([])))
    const r = await fetch(url)
    expect([r.status, r.headers.get('server'), await r.text()]).toEqual([503, 'awselb/2.0', ELB_ERROR_BODIES[503]])
  })

  it('answers 502 when the only target refuses the connection (failing open to it)', async () => {
    const tg = await targetGroup([await deadPort()])
    const { url } = await listener(await loadBalancer(), forward(tg))
    await until(allIn(tg, 'unhealthy'), 'every target unhealthy')
    expect((await health(tg))[0]).toMatchObject({ State: 'unhealthy', Reason: 'Target.FailedHealthChecks', Description: 'Health checks failed' })
    const r = await fetch(url)
    expect([r.status, await r.text()]).toEqual([502, ELB_ERROR_BODIES[502]])
  })

  it('answers 504 when the target does not answer within the idle timeout', async () => {
    const slow = await target('slow')
    const tg = await targetGroup([slow.port])
    const { url } = await listener(await loadBalancer({ 'idle_timeout.timeout_seconds': '1' }), forward(tg))
    await until(allIn(tg, 'healthy'), 'every target healthy')
    slow.delayMs = 2500
    const started = Date.now()
    const r = await fetch(url)
    expect([r.status, await r.text()]).toEqual([504, ELB_ERROR_BODIES[504]])
    expect(Date.now() - started).toBeGreaterThanOrEqual(950)
    expect(Date.now() - started).toBeLessThan(2400)
  })

  it('serves a listener on its own port when that port is free', async () => {
    const free = await deadPort()
    if (free < 1024) return
    const a = await target('own')
    const tg = await targetGroup([a.port], { HealthCheckEnabled: true })
    const { url } = await listener(await loadBalancer(), forward(tg), free)
    expect(url).toBe(`http://127.0.0.1:${free}`)
    // A target still in its first check gets no request (a loaded machine may take its time).
    await until(allIn(tg, 'healthy'), 'every target healthy')
    expect(await fetch(`${url}/x`).then(r => r.text())).toBe('own /x')
    const listed = await fetch(`${t.emu.url}/_emulator/listeners`).then(r => r.json()) as { timeScale: number, listeners: any[] }
    expect(listed.timeScale).toBe(t.emu.emulator.loadBalancers.scale)
    expect(listed.listeners.find((l: any) => l.HostPort === free)).toMatchObject({ Port: free, Protocol: 'HTTP' })
  })
})

describe('the emulator\'s own port', () => {
  it('serves a load balancer by its DNS name in the Host header', async () => {
    const a = await target('byhost')
    const tg = await targetGroup([a.port])
    const lbArn = await loadBalancer()
    await listener(lbArn, forward(tg))
    await until(allIn(tg, 'healthy'), 'every target healthy')
    const dns = members((await ok('DescribeLoadBalancers', { LoadBalancerArns: [lbArn] })).LoadBalancers)[0].DNSName
    const port = Number(new URL(t.emu.url).port)
    const get = (host: string, path: string) => new Promise<string>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path, headers: { host } }, res => {
        let body = ''
        res.on('data', c => { body += String(c) })
        res.on('end', () => resolve(`${res.statusCode} ${body}`))
      }).on('error', reject)
    })
    // `/` (where the AWS API answers) and any other path both go to the load balancer when
    // the Host header names it; other hosts get the emulator.
    expect(await get(dns, '/plain')).toBe('200 byhost /plain')
    expect(await get(dns, '/')).toBe('200 byhost /')
    expect(await get(`127.0.0.1:${port}`, '/_emulator/health')).toMatch(/^200 \{"status":"ok"/)
  })
})

describe('health checks', () => {
  it('moves initial → healthy → unhealthy with the code, and fails open when all are unhealthy', async () => {
    const a = await target('h')
    a.status = 500
    const tg = await targetGroup([a.port], { Matcher: { HttpCode: '200-299' }, UnhealthyThresholdCount: 6 })
    const { url } = await listener(await loadBalancer(), forward(tg))
    expect((await health(tg))[0]).toMatchObject({
      State: 'initial', Reason: 'Elb.InitialHealthChecking', Description: 'Initial health checks in progress'
    })
    a.status = 204
    await until(allIn(tg, 'healthy'), 'every target healthy')
    a.status = 500
    await until(allIn(tg, 'unhealthy'), 'every target unhealthy')
    expect((await health(tg))[0]).toMatchObject({
      State: 'unhealthy', Reason: 'Target.ResponseCodeMismatch', Description: 'Health checks failed with these codes: [500]'
    })
    const r = await fetch(`${url}/still`)
    expect([r.status, await r.text()]).toEqual([200, 'h /still'])
  })

  /** A target group, in use by a listener, whose one target answers every request after `ms`. */
  async function behindSlowTarget (ms: number): Promise<string> {
    const server = http.createServer((req, res) => { setTimeout(() => res.end('slow'), ms) })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    closers.push(() => { server.closeAllConnections(); server.close() })
    const tg = await targetGroup([(server.address() as AddressInfo).port])
    await listener(await loadBalancer(), forward(tg))
    return tg
  }

  it('reports Target.Timeout for a health check that takes longer than the timeout', async () => {
    // 2 s at the scale of 0.05 would be 100 ms; a probe is given at least a second.
    const tg = await behindSlowTarget(1_500)
    await until(allIn(tg, 'unhealthy'), 'every target unhealthy')
    expect((await health(tg))[0]).toMatchObject({ State: 'unhealthy', Reason: 'Target.Timeout', Description: 'Request timed out' })
  })

  it('counts healthy a target that answers its health check in 300 ms, more than its timeout times the scale', async () => {
    const tg = await behindSlowTarget(300)
    await until(allIn(tg, 'healthy'), 'every target healthy')
    // A few more probes (an interval is 250 ms here), none of them timed out.
    await new Promise(resolve => setTimeout(resolve, 1_500))
    expect((await health(tg))[0]).toMatchObject({ State: 'healthy' })
  })

  it('drains a deregistered target: no new requests go to it', async () => {
    const [a, b] = [await target('stay'), await target('leave')]
    const tg = await targetGroup([a.port, b.port])
    const { url } = await listener(await loadBalancer(), forward(tg))
    await until(allIn(tg, 'healthy'), 'every target healthy')
    await ok('DeregisterTargets', { TargetGroupArn: tg, Targets: [{ Id: '127.0.0.1', Port: b.port }] })
    expect((await health(tg)).find(h => h.port === b.port)).toMatchObject({ State: 'draining', Reason: 'Target.DeregistrationInProgress' })
    const bodies = await Promise.all([1, 2, 3, 4].map(async () => (await (await fetch(url)).text()).split(' ')[0]))
    expect(bodies).toEqual(['stay', 'stay', 'stay', 'stay'])
  })
})

describe('probe timeout', () => {
  it('is the group\'s timeout times the scale, but no less than a second', () => {
    const tg = (HealthCheckTimeoutSeconds?: number) => ({ HealthCheckTimeoutSeconds }) as TargetGroup
    expect([probeTimeout(tg(5), 1), probeTimeout(tg(), 1), probeTimeout(tg(10), 0.5), probeTimeout(tg(5), 0.02), probeTimeout(tg(2), 0.05)])
      .toEqual([5_000, 5_000, 5_000, 1_000, 1_000])
  })
})

describe('matcher', () => {
  it('reads single codes, ranges and lists', () => {
    expect([matches('200', 200), matches('200', 201), matches('200-299', 204), matches('200,302', 302), matches('200,302', 301)])
      .toEqual([true, false, true, true, false])
  })
})

describe('network load balancer', () => {
  /** A TCP target that answers each connection's bytes upper-cased, prefixed with its name. */
  async function echo (name: string): Promise<number> {
    const server = net.createServer(socket => socket.on('data', d => socket.write(`${name}:${String(d).toUpperCase()}`)))
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    closers.push(() => server.close())
    return (server.address() as AddressInfo).port
  }

  const exchange = (socket: net.Socket, text: string): Promise<string> => new Promise((resolve, reject) => {
    socket.once('data', d => { resolve(String(d)); socket.end() })
    socket.once('error', reject)
    socket.write(text)
  })

  it('relays each TCP connection to a healthy target (TCP health checks), and terminates TLS with the emulator\'s certificate', async () => {
    const [a, b] = [await echo('a'), await echo('b')]
    const tg = members((await ok('CreateTargetGroup', {
      Name: `nlb${++n}`, Protocol: 'TCP', Port: 80, VpcId: vpcId, TargetType: 'ip', HealthyThresholdCount: 2
    })).TargetGroups)[0].TargetGroupArn
    await ok('RegisterTargets', { TargetGroupArn: tg, Targets: [{ Id: '127.0.0.1', Port: a }, { Id: '127.0.0.1', Port: b }] })
    const lb = members((await ok('CreateLoadBalancer', { Name: `nlb${++n}`, Type: 'network', Subnets: subnets })).LoadBalancers)[0]
    const tcp = members((await ok('CreateListener', { LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'TCP', Port: 80, DefaultActions: forward(tg) })).Listeners)[0]
    const tlsListener = members((await ok('CreateListener', {
      LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'TLS', Port: 443, DefaultActions: forward(tg),
      Certificates: [{ CertificateArn: 'arn:aws:acm:us-east-1:000000000000:certificate/0f1e2d3c-0000-4000-8000-000000000000' }]
    })).Listeners)[0]
    const tcpPort = await t.emu.emulator.loadBalancers.waitFor(tcp.ListenerArn)
    const tlsPort = await t.emu.emulator.loadBalancers.waitFor(tlsListener.ListenerArn)
    await until(allIn(tg, 'healthy'), 'every target healthy')

    const answers = [] as string[]
    for (let i = 0; i < 4; i++) answers.push(await exchange(net.connect(tcpPort!, '127.0.0.1'), 'ping'))
    expect(answers.sort()).toEqual(['a:PING', 'a:PING', 'b:PING', 'b:PING'])

    const ca = t.emu.emulator.loadBalancers.certificate.cert
    const secure = tls.connect({ host: '127.0.0.1', port: tlsPort!, ca, servername: lb.DNSName })
    await new Promise<void>((resolve, reject) => secure.once('secureConnect', resolve).once('error', reject))
    expect(await exchange(secure, 'hello')).toMatch(/^[ab]:HELLO$/)
  })

  it('resets the connection when no target is registered', async () => {
    const tg = members((await ok('CreateTargetGroup', { Name: `nlb${++n}`, Protocol: 'TCP', Port: 80, VpcId: vpcId, TargetType: 'ip' })).TargetGroups)[0].TargetGroupArn
    const lb = members((await ok('CreateLoadBalancer', { Name: `nlb${++n}`, Type: 'network', Subnets: subnets })).LoadBalancers)[0]
    const l = members((await ok('CreateListener', { LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'TCP', Port: 81, DefaultActions: forward(tg) })).Listeners)[0]
    const port = await t.emu.emulator.loadBalancers.waitFor(l.ListenerArn)
    const socket = net.connect(port!, '127.0.0.1')
    const error = await new Promise<NodeJS.ErrnoException>(resolve => socket.once('error', resolve))
    expect(error.code).toBe('ECONNRESET')
  })
})
