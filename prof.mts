import { SignatureV4 } from '@smithy/signature-v4'
import { Sha256 } from './api/sigv4.ts'
import { loadConfig } from './src/config.ts'
import { Emulator } from './src/emulator.ts'
import { Pipeline } from './api/pipeline.ts'
import { SERVICES } from './api/app.ts'
import pino from 'pino'
const emu = new Emulator(loadConfig([], {}, { dataDir: ':memory:' }), pino({ level: 'silent' }))
const p = new Pipeline(emu, SERVICES)
const signer = new SignatureV4({ credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, region: 'us-east-1', service: 'ecs', sha256: Sha256 })
async function req (target: string, body: string) {
  const s = await signer.sign({ method: 'POST', protocol: 'http:', hostname: 'localhost', path: '/', query: {}, body, headers: { host: 'localhost', 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AmazonEC2ContainerServiceV20141113.${target}` } })
  return { method: 'POST', url: '/', headers: s.headers as any, body: Buffer.from(body), sourceIp: '127.0.0.1' }
}
console.log((await p.handle(await req('CreateCluster', '{"clusterName":"bench"}'))).status)
const r = await req('DescribeClusters', '{"clusters":["bench"]}')
for (const [label, n] of [['warm', 200], ['measure', 20000]] as const) {
  const t = performance.now()
  for (let i = 0; i < n; i++) await p.handle(r)
  console.log(label, ((performance.now() - t) / n).toFixed(3), 'ms/op')
}
const t = performance.now(); for (let i = 0; i < 2000; i++) emu.authorizer.check({ type: 'root', arn: 'arn:aws:iam::000000000000:root', account: '000000000000', userId: '0' }, 'ecs:DescribeClusters', 'arn:aws:ecs:us-east-1:000000000000:cluster/bench', {}, { requestId: 'x', region: 'us-east-1', now: new Date() })
console.log('authz', ((performance.now() - t) / 2000).toFixed(3), 'ms/op')
