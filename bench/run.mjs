// Throughput and latency of signed, authorized calls as an assumed role with a realistic
// policy (not root), over keep-alive, plus the server's start-to-ready time.
// Usage: npm run bench [-- --seconds 5 --connections 16]
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { Hash } from '@smithy/hash-node'
import { SignatureV4 } from '@smithy/signature-v4'
import { IAMClient, CreateRoleCommand, PutRolePolicyCommand, CreateUserCommand, PutUserPolicyCommand, CreateAccessKeyCommand } from '@aws-sdk/client-iam'
import { STSClient, AssumeRoleCommand } from '@aws-sdk/client-sts'
import { ECSClient, CreateClusterCommand } from '@aws-sdk/client-ecs'

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, connections: { type: 'string', default: '16' }, only: { type: 'string' } } })
const SECONDS = Number(values.seconds)
const CONNECTIONS = Number(values.connections)
const CLI = new URL('../dist/cli.js', import.meta.url).pathname
const ROOT = { accessKeyId: 'test', secretAccessKey: 'test' }
const ACCOUNT = '000000000000'

class Sha256 extends Hash { constructor (s) { super('sha256', s) } }

function startServer () {
  const t0 = process.hrtime.bigint()
  const child = spawn(process.execPath, [...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean), CLI, 'up', '--port', '0', '--data-dir', ':memory:', '--no-agent'], { stdio: ['ignore', 'pipe', 'inherit'] })
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', async line => {
      const m = /"url":"(http:\/\/[^"]+)"/.exec(line)
      if (m === null) return
      // ready = the first answered request, not the log line
      for (;;) {
        try { const r = await fetch(`${m[1]}/_emulator/health`); if (r.ok) break } catch {}
      }
      resolve({ url: m[1], child, readyMs: Number(process.hrtime.bigint() - t0) / 1e6 })
    })
    child.once('exit', code => reject(new Error(`server exited ${code}`)))
  })
}

async function setUp (url) {
  const common = { endpoint: url, region: 'us-east-1', credentials: ROOT }
  const iam = new IAMClient(common)
  await iam.send(new CreateRoleCommand({
    RoleName: 'deployer',
    AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' }] })
  }))
  await iam.send(new PutRolePolicyCommand({
    RoleName: 'deployer',
    PolicyName: 'deploy-web',
    PolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Read', Effect: 'Allow', Action: ['ecs:Describe*', 'ecs:List*'], Resource: '*' },
        { Sid: 'Register', Effect: 'Allow', Action: 'ecs:RegisterTaskDefinition', Resource: '*' },
        { Sid: 'RunWeb', Effect: 'Allow', Action: 'ecs:RunTask', Resource: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/web:*`, Condition: { ArnEquals: { 'ecs:cluster': `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/bench` } } },
        { Sid: 'Pass', Effect: 'Allow', Action: 'iam:PassRole', Resource: `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`, Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } } },
        { Sid: 'NoIam', Effect: 'Deny', NotAction: ['iam:PassRole', 'iam:Get*', 'iam:List*'], Resource: `arn:aws:iam::${ACCOUNT}:*` }
      ]
    })
  }))
  await iam.send(new CreateUserCommand({ UserName: 'ci' }))
  await iam.send(new PutUserPolicyCommand({ UserName: 'ci', PolicyName: 'assume', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${ACCOUNT}:role/deployer` }] }) }))
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'ci' }))).AccessKey
  const sts = new STSClient({ ...common, credentials: { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey } })
  const c = (await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/deployer`, RoleSessionName: 'bench' }))).Credentials
  await new ECSClient(common).send(new CreateClusterCommand({ clusterName: 'bench' }))
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken }
}

async function signed (url, service, headers, body, credentials) {
  const u = new URL(url)
  const signer = new SignatureV4({ credentials, region: 'us-east-1', service, sha256: Sha256 })
  const req = await signer.sign({ method: 'POST', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: '/', query: {}, body,
    headers: { host: u.host, ...headers } })
  return { method: 'POST', path: '/', headers: req.headers, body }
}

async function load (url, name, request) {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, requests: [request] })
  const bad = result.non2xx
  return { name, rps: Math.round(result.requests.average), p50: result.latency.p50, p99: result.latency.p99, errors: bad + result.errors }
}

const json = target => ({ 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AmazonEC2ContainerServiceV20141113.${target}` })

const readiness = []
for (let i = 0; i < 5; i++) {
  const s = await startServer()
  readiness.push(s.readyMs)
  s.child.kill('SIGKILL')
}
readiness.sort((a, b) => a - b)

const server = await startServer()
try {
  const creds = await setUp(server.url)
  const taskDefinition = JSON.stringify({ family: 'web', containerDefinitions: [{ name: 'web', image: 'nginx', memory: 128, portMappings: [{ containerPort: 80 }] }] })
  const cases = {
    DescribeClusters: () => signed(server.url, 'ecs', json('DescribeClusters'), '{"clusters":["bench"]}', creds),
    RegisterTaskDefinition: () => signed(server.url, 'ecs', json('RegisterTaskDefinition'), taskDefinition, creds),
    GetCallerIdentity: () => signed(server.url, 'sts', { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, 'Action=GetCallerIdentity&Version=2011-06-15', creds)
  }
  const rows = []
  for (const [name, request] of Object.entries(cases)) {
    if (values.only === undefined || values.only === name) rows.push(await load(server.url, name, await request()))
  }
  console.log(`signed as assumed-role/deployer/bench, ${CONNECTIONS} keep-alive connections, ${SECONDS} s each, node ${process.version}`)
  console.log('operation                 req/s    p50 ms   p99 ms   non-2xx')
  for (const r of rows) {
    console.log(`${r.name.padEnd(24)} ${String(r.rps).padStart(6)}   ${String(r.p50).padStart(6)}   ${String(r.p99).padStart(6)}   ${String(r.errors).padStart(7)}`)
  }
  console.log(`start to first answered request: median ${readiness[2].toFixed(0)} ms (min ${readiness[0].toFixed(0)}, max ${readiness[4].toFixed(0)}) over 5 starts`)
  const mem = await (await fetch(`${server.url}/_emulator/health`)).json()
  void mem
} finally {
  server.child.kill('SIGTERM')
}
