// Push and pull of an image through the emulator's ECR registry against the Docker engine's
// own `docker save` and `docker load` of the same image. The image is built here, offline:
// ecs-emulator/busybox:latest and one layer of random bytes (--mb, 100 by default). Runs the
// real CLIs: `aws ecr get-login-password | docker login`, `docker push`, `docker pull`, with a
// DOCKER_CONFIG of its own; removes what it tagged, built and started, even when it fails.
// Usage: npm run bench:ecr [-- --mb 100 --runs 2]
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { parseArgs } from 'node:util'
import { performance } from 'node:perf_hooks'

const { values } = parseArgs({ options: { mb: { type: 'string', default: '100' }, runs: { type: 'string', default: '2' } } })
const MB = Number(values.mb)
const RUNS = Number(values.runs)
const CLI = new URL('../dist/cli.js', import.meta.url).pathname
const RUN = `bench-ecr-${process.pid}`
const IMAGE = `ecs-emulator/bench-ecr:${RUN}`
const work = mkdtempSync(join(tmpdir(), 'ecs-emulator-bench-ecr-'))
const dockerConfig = join(work, 'docker-config')
const env = {
  ...process.env, DOCKER_CONFIG: dockerConfig, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test',
  AWS_DEFAULT_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true'
}
const tags = [IMAGE]
let server

const run = (cmd, args, input) => execFileSync(cmd, args, { env, input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 1 << 26 }).toString()
const timed = (cmd, args) => { const t0 = performance.now(); run(cmd, args); return (performance.now() - t0) / 1000 }
const median = xs => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

function startServer () {
  server = spawn(process.execPath, [CLI, 'up', '--port', '0', '--data-dir', join(work, 'data'), '--no-agent'],
    { stdio: ['ignore', 'pipe', 'inherit'], env })
  return new Promise((resolve, reject) => {
    createInterface({ input: server.stdout }).on('line', line => {
      const m = /"url":"(http:\/\/[^"]+)"/.exec(line)
      if (m !== null) resolve(m[1])
    })
    server.once('exit', code => reject(new Error(`server exited ${code}`)))
  })
}

function cleanUp () {
  for (const t of tags) spawnSync('docker', ['rmi', '-f', t], { stdio: 'ignore' })
  server?.kill('SIGTERM')
  rmSync(work, { recursive: true, force: true })
}
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => { cleanUp(); process.exit(130) })
setTimeout(() => { console.error('bench:ecr: over 10 minutes, stopping'); cleanUp(); process.exit(1) }, 600_000).unref()

try {
  if (spawnSync('docker', ['version'], { stdio: 'ignore' }).status !== 0) throw new Error('no Docker engine answers `docker version`')
  if (spawnSync('aws', ['--version'], { stdio: 'ignore' }).status !== 0) throw new Error('the AWS CLI (`aws`) is not installed')
  writeFileSync(join(work, 'payload'), randomBytes(MB * 1024 * 1024))
  writeFileSync(join(work, 'Dockerfile'), 'FROM ecs-emulator/busybox:latest\nCOPY payload /payload\n')
  run('docker', ['build', '-q', '-t', IMAGE, work])

  const url = await startServer()
  const health = await (await fetch(`${url}/_emulator/health`)).json()
  if (health.registryPort === undefined) throw new Error('this emulator serves no registry (GET /_emulator/health has no registryPort)')
  const registry = `127.0.0.1:${health.registryPort}`
  run('aws', ['--endpoint-url', url, 'ecr', 'create-repository', '--repository-name', 'bench'])
  const password = run('aws', ['--endpoint-url', url, 'ecr', 'get-login-password'])
  run('docker', ['login', '--username', 'AWS', '--password-stdin', registry], password)
  const remote = `${registry}/bench:${RUN}`
  run('docker', ['tag', IMAGE, remote])
  tags.push(remote)

  const push = []
  const pull = []
  const save = []
  const load = []
  const archive = join(work, 'image.tar')
  for (let i = 0; i < RUNS; i++) {
    // A fresh repository each run, so that every layer is really sent.
    if (i > 0) {
      run('aws', ['--endpoint-url', url, 'ecr', 'delete-repository', '--repository-name', 'bench', '--force'])
      run('aws', ['--endpoint-url', url, 'ecr', 'create-repository', '--repository-name', 'bench'])
    }
    push.push(timed('docker', ['push', remote]))
    run('docker', ['rmi', remote, IMAGE])
    pull.push(timed('docker', ['pull', remote]))
    run('docker', ['tag', remote, IMAGE])
    save.push(timed('docker', ['save', '-o', archive, IMAGE]))
    run('docker', ['rmi', remote, IMAGE])
    load.push(timed('docker', ['load', '-i', archive]))
    run('docker', ['tag', IMAGE, remote])
    rmSync(archive, { force: true })
  }
  const size = Number(run('docker', ['image', 'inspect', '-f', '{{.Size}}', IMAGE]).trim()) / 1024 / 1024
  const row = (name, seconds) => console.log(`${name.padEnd(18)} ${median(seconds).toFixed(2).padStart(7)} s ${(size / median(seconds)).toFixed(0).padStart(6)} MiB/s   (${seconds.map(s => s.toFixed(2)).join(', ')})`)
  console.log(`ECR registry vs docker save/load: an image of ${size.toFixed(0)} MiB (a ${MB} MiB layer), median of ${RUNS}, time scale ${health.timeScale}`)
  row('docker push', push)
  row('docker pull', pull)
  row('docker save', save)
  row('docker load', load)
  console.log(`push/save ${(median(push) / median(save)).toFixed(2)}, pull/load ${(median(pull) / median(load)).toFixed(2)} (times: lower is faster)`)
} catch (e) {
  console.error(`bench:ecr: ${e.message}${e.stderr ? `\n${e.stderr}` : ''}`)
  process.exitCode = 1
} finally {
  cleanUp()
}
