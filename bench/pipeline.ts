// In-process cost of the request pipeline (no sockets): microseconds per signed, authorized
// DescribeClusters as an assumed role, the same request as bench/run.mjs sends.
// Usage: npx tsx bench/pipeline.ts [iterations]
import { SignatureV4 } from '@smithy/signature-v4'
import pino from 'pino'
import { IAMClient, CreateRoleCommand, PutRolePolicyCommand, CreateUserCommand, PutUserPolicyCommand, CreateAccessKeyCommand } from '@aws-sdk/client-iam'
import { STSClient, AssumeRoleCommand } from '@aws-sdk/client-sts'
import { ECSClient, CreateClusterCommand } from '@aws-sdk/client-ecs'
import { Sha256 } from '../api/sigv4.js'
import { Pipeline } from '../api/pipeline.js'
import { SERVICES } from '../api/app.js'
import { loadConfig } from '../src/config.js'
import { startServer } from '../src/server.js'

const N = Number(process.argv[2] ?? 20000)
const A = '000000000000'
const server = await startServer(loadConfig([], {}, { dataDir: ':memory:', port: 0 }), { log: pino({ level: 'silent' }) })
const common = { endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } }
const iam = new IAMClient(common)
const doc = (Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement })
await iam.send(new CreateRoleCommand({ RoleName: 'deployer', AssumeRolePolicyDocument: doc([{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole' }]) }))
await iam.send(new PutRolePolicyCommand({ RoleName: 'deployer', PolicyName: 'deploy-web', PolicyDocument: doc([
  { Sid: 'Read', Effect: 'Allow', Action: ['ecs:Describe*', 'ecs:List*'], Resource: '*' },
  { Sid: 'Register', Effect: 'Allow', Action: 'ecs:RegisterTaskDefinition', Resource: '*' },
  { Sid: 'RunWeb', Effect: 'Allow', Action: 'ecs:RunTask', Resource: `arn:aws:ecs:us-east-1:${A}:task-definition/web:*`, Condition: { ArnEquals: { 'ecs:cluster': `arn:aws:ecs:us-east-1:${A}:cluster/bench` } } },
  { Sid: 'Pass', Effect: 'Allow', Action: 'iam:PassRole', Resource: `arn:aws:iam::${A}:role/ecsTaskExecutionRole`, Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } } },
  { Sid: 'NoIam', Effect: 'Deny', NotAction: ['iam:PassRole', 'iam:Get*', 'iam:List*'], Resource: `arn:aws:iam::${A}:*` }
]) }))
await iam.send(new CreateUserCommand({ UserName: 'ci' }))
await iam.send(new PutUserPolicyCommand({ UserName: 'ci', PolicyName: 'assume', PolicyDocument: doc([{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }]) }))
const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'ci' }))).AccessKey!
const sts = new STSClient({ ...common, credentials: { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! } })
const c = (await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/deployer`, RoleSessionName: 'bench' }))).Credentials!
await new ECSClient(common).send(new CreateClusterCommand({ clusterName: 'bench' }))

const signer = new SignatureV4({ credentials: { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! }, region: 'us-east-1', service: 'ecs', sha256: Sha256 })
const body = '{"clusters":["bench"]}'
const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: '127.0.0.1', path: '/', query: {}, body,
  headers: { host: '127.0.0.1:4566', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AmazonEC2ContainerServiceV20141113.DescribeClusters' } })
const request = { method: 'POST', url: '/', headers: signed.headers as Record<string, string>, body: Buffer.from(body), sourceIp: '127.0.0.1' }
const pipeline = new Pipeline(server.emulator, SERVICES)
if ((await pipeline.handle(request)).status !== 200) throw new Error('the benchmark request fails')

for (const [label, n] of [['warm-up', N / 4], ['DescribeClusters', N]] as const) {
  const t = performance.now()
  for (let i = 0; i < n; i++) await pipeline.handle(request)
  if (label !== 'warm-up') console.log(`${label}: ${((performance.now() - t) / n * 1000).toFixed(1)} µs per request in-process (${n} requests)`)
}
await server.close()
