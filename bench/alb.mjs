// The ELBv2 data plane against the same fast target reached directly: a small Node server,
// and busybox `httpd` in a container (skipped, with the reason, when Docker or the image is
// missing). For each target and path: the most requests per second a fixed number of
// keep-alive connections get (autocannon), and p50/p99 latency at a fixed 1,000 req/s from an
// open-loop paced client that times each request from when it was due to be sent, not from
// when it went out (so a stall counts against every request it delays: no coordinated
// omission). Client, emulator and target are three processes sharing this host's cores; a
// bare Node proxy (no rules, health or added headers) and a raw TCP relay (the least any Node
// proxy can do) are measured too, as the floor of what proxying in Node costs here. Errors: non-2xx, failed and timed-out (5 s) requests.
// Usage: npm run bench:alb [-- --seconds 3 --connections 16 --rate 1000 --paced-seconds 4 --only node]
// (BENCH_NODE_FLAGS='--cpu-prof' profiles the emulator.)
import { execFile, spawn, spawnSync } from 'node:child_process'
import http from 'node:http'
import { readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { performance } from 'node:perf_hooks'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import Docker from 'dockerode'
import { EC2Client, DescribeVpcsCommand, DescribeSubnetsCommand } from '@aws-sdk/client-ec2'
import {
  ElasticLoadBalancingV2Client, CreateLoadBalancerCommand, CreateTargetGroupCommand,
  RegisterTargetsCommand, CreateListenerCommand, DescribeTargetHealthCommand
} from '@aws-sdk/client-elastic-load-balancing-v2'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '16' },
    rate: { type: 'string', default: '1000' },
    'paced-seconds': { type: 'string', default: '4' },
    only: { type: 'string' }
  }
})
const SECONDS = Number(values.seconds)
const CONNECTIONS = Number(values.connections)
const RATE = Number(values.rate)
const PACED_SECONDS = Number(values['paced-seconds'])
const CLI = new URL('../dist/cli.js', import.meta.url).pathname
const IMAGE = 'ecs-emulator/busybox:latest'
const RUN_ID = `alb-${process.pid}`
const LABEL = { 'ecs-emulator.bench': RUN_ID }
const ROOT = { accessKeyId: 'test', secretAccessKey: 'test' }
const NODE_TARGET = `require('http').createServer((req, res) => {
  req.resume(); res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 3 }); res.end('ok\\n')
}).listen(0, '127.0.0.1', function () { console.log('port ' + this.address().port) })`
// For reference: the least a Node proxy does (no rules, no health, no added headers), to tell
// the cost of proxying in Node on this host from the cost of the data plane's own work.
const BARE_PROXY = `const http = require('http')
const agent = new http.Agent({ keepAlive: true })
const port = Number(process.argv[1])
const host = process.argv[2]
http.createServer((req, res) => {
  const headers = { ...req.headers }; delete headers.connection
  const out = http.request({ host, port, method: req.method, path: req.url, headers, agent }, up => {
    const h = { ...up.headers }; delete h.connection; delete h['keep-alive']
    res.writeHead(up.statusCode, up.statusMessage, h); up.pipe(res)
  })
  out.on('error', () => res.writeHead(502).end())
  req.pipe(out)
}).listen(0, '127.0.0.1', function () { console.log('port ' + this.address().port) })`
// And the least any proxy in Node can do: a raw TCP relay that reads each request head and
// each response's Content-Length, adds one header and nothing else (GETs only, no chunked
// bodies, an error just drops the connection): the ceiling of proxying in Node on this host.
const RAW_PROXY = `const net = require('net')
const port = Number(process.argv[1])
const host = process.argv[2]
const idle = []
net.createServer(down => {
  down.setNoDelay(true)
  down.on('error', () => {})
  let buf = ''
  down.on('data', chunk => {
    buf += chunk.toString('latin1')
    for (let end; (end = buf.indexOf('\\r\\n\\r\\n')) >= 0;) {
      const head = buf.slice(0, end)
      buf = buf.slice(end + 4)
      const up = idle.pop() ?? net.connect(port, host).setNoDelay(true).on('error', () => down.destroy())
      let got = Buffer.alloc(0)
      const onData = c => {
        got = got.length === 0 ? c : Buffer.concat([got, c])
        const at = got.indexOf('\\r\\n\\r\\n')
        if (at < 0) return
        const length = /content-length: *(\\d+)/i.exec(got.toString('latin1', 0, at))
        const total = at + 4 + Number(length?.[1] ?? 0)
        if (got.length < total) return
        up.off('data', onData)
        down.write(got.subarray(0, total))
        if (/connection: *close/i.test(got.toString('latin1', 0, at))) up.destroy(); else idle.push(up)
      }
      up.on('data', onData)
      up.write(head + '\\r\\nx-forwarded-for: 127.0.0.1\\r\\n\\r\\n')
    }
  })
}).listen(0, '127.0.0.1', function () { console.log('port ' + this.address().port) })`
const HTTPD_SCRIPT = 'mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www'

const docker = new Docker()
const children = []
let container
let cleaning

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms))
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]

/** A child process; resolves with its pid and what `ready` first finds in a stdout line. */
function start (args, ready) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  children.push(child)
  const lines = []
  child.stderr.on('data', d => lines.push(String(d)))
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', line => {
      lines.push(line)
      const found = ready(line)
      if (found !== undefined) resolve({ found, pid: child.pid })
    })
    child.once('exit', code => {
      const what = args.join(' ').slice(0, 60)
      if (cleaning === undefined) reject(new Error(`${what} exited ${code}:\n${lines.slice(-20).join('\n')}`))
    })
  })
}

async function waitFor (what, probe, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs
  for (;;) {
    const value = await probe().catch(() => undefined)
    if (value) return value
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await sleep(20)
  }
}

const answers = url => async () => (await fetch(url)).ok

/**
 * busybox httpd in a container, reached at its address on the Docker bridge by every path
 * (a published port would put docker-proxy in front of it); or why it cannot run.
 */
async function startHttpd () {
  try { await docker.ping() } catch (e) { return { skipped: `Docker is not available (${e.code ?? e.message})` } }
  try { await docker.getImage(IMAGE).inspect() } catch { return { skipped: `${IMAGE} is missing: run scripts/images.sh` } }
  container = await docker.createContainer({
    Image: IMAGE, Cmd: ['sh', '-c', HTTPD_SCRIPT], Labels: LABEL,
    HostConfig: { Memory: 32 * 1024 * 1024 }
  })
  await container.start()
  const info = await container.inspect()
  const host = info.NetworkSettings.IPAddress
  await waitFor('httpd to answer', answers(`http://${host}:8080/`))
  return { host, port: 8080 }
}

/** A load balancer with one listener per target, each forwarding to an `ip` group of it. */
async function listeners (url, ports, hosts) {
  const config = { endpoint: url, region: 'us-east-1', credentials: ROOT }
  const ec2 = new EC2Client(config)
  const elb = new ElasticLoadBalancingV2Client(config)
  const vpc = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }))).Vpcs[0]
  const subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpc.VpcId] }] })))
    .Subnets.map(s => s.SubnetId).slice(0, 2)
  const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: 'bench', Subnets: subnets }))).LoadBalancers[0]
  const out = {}
  let listenerPort = 80
  for (const [name, port] of Object.entries(ports)) {
    const tg = (await elb.send(new CreateTargetGroupCommand({
      Name: `bench-${name}`, Protocol: 'HTTP', Port: port, VpcId: vpc.VpcId, TargetType: 'ip', HealthCheckPath: '/'
    }))).TargetGroups[0]
    await elb.send(new RegisterTargetsCommand({ TargetGroupArn: tg.TargetGroupArn, Targets: [{ Id: hosts[name], Port: port }] }))
    const l = (await elb.send(new CreateListenerCommand({
      LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'HTTP', Port: listenerPort++,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }]
    }))).Listeners[0]
    await waitFor(`${name}'s target to be healthy`, async () =>
      (await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn })))
        .TargetHealthDescriptions.every(d => d.TargetHealth.State === 'healthy'))
    const hostPort = await waitFor(`${name}'s listener`, async () =>
      (await (await fetch(`${url}/_emulator/listeners`)).json()).listeners
        .find(m => m.ListenerArn === l.ListenerArn)?.HostPort)
    out[name] = hostPort
  }
  return out
}

/** CPU seconds a process has used (Linux; clock ticks of 10 ms). */
function cpuSeconds (pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch { return NaN }
}

/**
 * Requests per second with CONNECTIONS keep-alive connections, as fast as they answer, and
 * the share of one core each process used meanwhile.
 */
async function throughput (url, seconds, pids = {}) {
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)]))
  const t0 = performance.now()
  const r = await autocannon({ url, connections: CONNECTIONS, duration: seconds })
  const elapsed = (performance.now() - t0) / 1000
  const cpu = Object.fromEntries(Object.entries(pids)
    .map(([k, pid]) => [k, (cpuSeconds(pid) - before[k]) / elapsed]))
  return { rps: r.requests.average, bad: r.non2xx + r.errors + r.timeouts, cpu }
}

/**
 * An open-loop client: request i is due at t0 + i/rate whether or not earlier ones have
 * answered (a pool of keep-alive sockets grows as needed), and its latency runs from when it
 * was due to when its whole response has been read. `lag` is how late requests went out
 * (this process's timers), included in every latency alike.
 */
function paced (url, rate, seconds) {
  const { hostname, port } = new URL(url)
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 })
  const total = Math.round(rate * seconds)
  const latency = new Float64Array(total)
  const lag = new Float64Array(total)
  const t0 = performance.now() + 5
  const due = i => t0 + i * 1000 / rate
  let sent = 0
  let finished = 0
  let bad = 0
  return new Promise(resolve => {
    const done = (i, ok) => {
      latency[i] = performance.now() - due(i)
      if (!ok) bad++
      if (++finished < total) return
      agent.destroy()
      const sorted = a => Array.from(a).sort((x, y) => x - y)
      const l = sorted(latency)
      const elapsed = (performance.now() - t0) / 1000
      resolve({
        p50: quantile(l, 0.5), p99: quantile(l, 0.99), lag: quantile(sorted(lag), 0.5), achieved: total / elapsed, bad
      })
    }
    const send = i => {
      lag[i] = performance.now() - due(i)
      const req = http.get({ hostname, port, path: '/', agent }, res => {
        res.resume()
        res.once('end', () => done(i, res.statusCode === 200))
        res.once('error', () => done(i, false))
      })
      req.setTimeout(5000, () => req.destroy())
      req.once('error', () => done(i, false))
    }
    const tick = () => {
      const now = performance.now()
      while (sent < total && due(sent) <= now) send(sent++)
      if (sent < total) setTimeout(tick, Math.max(0, due(sent) - performance.now()))
    }
    setTimeout(tick, 5)
  })
}

/** wrk (a C client, far lighter than autocannon in this process), when installed. */
const WRK = spawnSync('wrk', ['--version']).error === undefined

/** Requests per second with wrk's CONNECTIONS keep-alive connections, one thread. */
function wrk (url, seconds) {
  if (!WRK) return Promise.resolve(undefined)
  return new Promise(resolve => execFile('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, url],
    { timeout: (seconds + 10) * 1000 }, (error, stdout) => {
      const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout ?? '')?.[1]
      resolve(error === null && rps !== undefined ? Number(rps) : undefined)
    }))
}

async function measure (url, pids) {
  await throughput(url, 1) // warm-up: JIT, pooled connections
  const max = await throughput(url, SECONDS, { client: process.pid, ...pids })
  const fixed = await paced(url, RATE, PACED_SECONDS)
  return { ...max, ...fixed, wrk: await wrk(url, SECONDS) }
}

const f = (n, digits = 2) => n.toFixed(digits).padStart(8)
const cost = r => (1e6 * r.cpu.proxy / r.rps).toFixed(0)

function report (scale, rows, skipped) {
  console.log(`ELBv2 data plane vs direct, time scale ${scale}, node ${process.version}, ` +
    `${cpus().length} cores shared by client, emulator and target`)
  console.log(`max: autocannon, ${CONNECTIONS} keep-alive connections, ${SECONDS} s (cpu: share of one core); ` +
    `fixed: ${RATE} req/s for ${PACED_SECONDS} s, open loop, latency from each request's due time`)
  console.log(WRK
    ? `wrk req/s: wrk -t1 -c${CONNECTIONS}, ${SECONDS} s (a C client: the client's share of the cores is small)`
    : 'wrk req/s: - (wrk is not installed: `apt-get install wrk` adds a lighter client\'s figures)')
  console.log('target  path          max req/s  cpu client/proxy/target   p50 ms   p99 ms  send lag ms  achieved/s  errors  wrk req/s')
  const share = x => x === undefined || Number.isNaN(x) ? '-' : `${Math.round(100 * x)}%`
  for (const r of rows) {
    const cpu = [r.cpu.client, r.cpu.proxy, r.cpu.target].map(share).join('/')
    console.log(`${r.target.padEnd(7)} ${r.path.padEnd(12)} ${f(r.rps, 0).padStart(10)}  ${cpu.padEnd(23)} ` +
      `${f(r.p50)} ${f(r.p99)} ${f(r.lag).padStart(12)} ${f(r.achieved, 0).padStart(11)} ${String(r.bad).padStart(7)}` +
      `  ${(r.wrk === undefined ? '-' : r.wrk.toFixed(0)).padStart(9)}`)
  }
  for (const target of ['node', 'httpd']) {
    const direct = rows.find(r => r.target === target && r.path === 'direct')
    const via = rows.find(r => r.target === target && r.path === 'listener')
    const bare = rows.find(r => r.target === target && r.path === 'bare proxy')
    const raw = rows.find(r => r.target === target && r.path === 'raw relay')
    if (direct === undefined || via === undefined) continue
    const ratio = via.rps / direct.rps
    const added = via.p50 - direct.p50
    const met = ok => ok ? 'met' : 'NOT met'
    console.log(`${target}: listener/direct throughput ${ratio.toFixed(2)} (target ≥ 0.6 ${met(ratio >= 0.6)}); ` +
      `p50 added ${added.toFixed(2)} ms at ${RATE} req/s (target < 1 ms ${met(added < 1)}), ` +
      `p99 added ${(via.p99 - direct.p99).toFixed(2)} ms; ` +
      `bare Node proxy/direct ${(bare.rps / direct.rps).toFixed(2)}, raw relay/direct ${(raw.rps / direct.rps).toFixed(2)}, ` +
      `listener/bare proxy ${(via.rps / bare.rps).toFixed(2)}; ` +
      `proxy CPU per request: listener ${cost(via)} µs, bare proxy ${cost(bare)} µs`)
    if (direct.wrk !== undefined && via.wrk !== undefined) {
      console.log(`${target}, with wrk: listener/direct throughput ${(via.wrk / direct.wrk).toFixed(2)}, ` +
        `bare Node proxy/direct ${(bare.wrk / direct.wrk).toFixed(2)}, raw relay/direct ${(raw.wrk / direct.wrk).toFixed(2)}`)
    }
    if (direct.achieved < 0.95 * RATE || direct.bad > 0) {
      console.log(`${target}: direct, the target itself did not keep up with ${RATE} req/s ` +
        `(${direct.achieved.toFixed(0)}/s, ${direct.bad} errors): latencies at that rate are its own, not the listener's`)
    }
  }
  if (skipped !== undefined) console.log(`httpd rows skipped: ${skipped}`)
}

async function cleanUp () {
  cleaning ??= (async () => {
    for (const c of children) c.kill('SIGTERM')
    if (container !== undefined) await container.remove({ force: true }).catch(() => {})
    const left = await docker.listContainers({ all: true, filters: { label: [`ecs-emulator.bench=${RUN_ID}`] } }).catch(() => [])
    await Promise.all(left.map(c => docker.getContainer(c.Id).remove({ force: true }).catch(() => {})))
  })()
  return cleaning
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => { void cleanUp().finally(() => process.exit(130)) })
}
// The whole run is bounded: whatever hangs, the bench stops and cleans up.
const deadline = setTimeout(() => {
  console.error('bench:alb: over 180 s, stopping')
  void cleanUp().finally(() => process.exit(1))
}, 180_000)
deadline.unref()

const port = line => /^port (\d+)$/.exec(line)?.[1]

try {
  const node = await start(['-e', NODE_TARGET], port)
  const httpd = values.only === 'node' ? { skipped: '--only node' } : await startHttpd()
  const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean)
  const emulator = await start([...flags, CLI, 'up', '--port', '0', '--data-dir', ':memory:', '--no-agent'],
    line => /"url":"(http:\/\/[^"]+)"/.exec(line)?.[1])
  const url = emulator.found
  await waitFor('the emulator', answers(`${url}/_emulator/health`))
  const { timeScale } = await (await fetch(`${url}/_emulator/listeners`)).json()
  const targets = { node: { host: '127.0.0.1', port: node.found, pid: node.pid } }
  if (httpd.port !== undefined) targets.httpd = { host: httpd.host, port: httpd.port } // its CPU is not measured
  const entries = Object.entries(targets)
  const via = await listeners(url, Object.fromEntries(entries.map(([name, t]) => [name, Number(t.port)])),
    Object.fromEntries(entries.map(([name, t]) => [name, t.host])))
  const rows = []
  for (const [target, t] of entries) {
    const bare = await start(['-e', BARE_PROXY, String(t.port), t.host], port)
    const raw = await start(['-e', RAW_PROXY, String(t.port), t.host], port)
    const at = (p, host = '127.0.0.1') => `http://${host}:${p}/`
    rows.push({ target, path: 'direct', ...await measure(at(t.port, t.host), { target: t.pid }) })
    rows.push({ target, path: 'listener', ...await measure(at(via[target]), { proxy: emulator.pid, target: t.pid }) })
    rows.push({ target, path: 'bare proxy', ...await measure(at(bare.found), { proxy: bare.pid, target: t.pid }) })
    rows.push({ target, path: 'raw relay', ...await measure(at(raw.found), { proxy: raw.pid, target: t.pid }) })
  }
  report(timeScale, rows, httpd.skipped)
} finally {
  await cleanUp()
}
