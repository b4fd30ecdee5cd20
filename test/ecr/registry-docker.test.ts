import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CreateRepositoryCommand } from '@aws-sdk/client-ecr'
import { useEmulator, type Credentials } from '../support/emulator.js'
import { ACCOUNT, allowPolicy, userWithKey } from '../support/fixtures.js'
import { aws, CLIS, NO_CLI } from '../support/cli.js'
import { DOCKER_SKIP, ensureImages, hasDocker, IMAGES, testRunLabel } from '../support/docker.js'

const t = useEmulator()

const LABELS = testRunLabel('ecr-registry')
const SKIP = DOCKER_SKIP !== '' ? DOCKER_SKIP : (CLIS.length === 0 ? ` (skipped: ${NO_CLI})` : '')

interface Run { status: number, stdout: string, stderr: string }

/** The docker CLI, asynchronously (the emulator answers in this process). */
async function docker (args: string[], env: Record<string, string> = {}, input?: string): Promise<Run> {
  return await new Promise(resolve => {
    const child = execFile('docker', args, {
      encoding: 'utf8', timeout: 120_000, env: { ...process.env, DOCKER_BUILDKIT: '0', ...env }
    }, (error, stdout, stderr) => resolve({ status: error === null ? 0 : (child.exitCode ?? 1), stdout, stderr }))
    if (input !== undefined) child.stdin?.end(input)
  })
}

const temporaryDirs: string[] = []
const temporary = (prefix: string): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  temporaryDirs.push(dir)
  return dir
}

/** `aws ecr get-login-password | docker login` into a config directory of its own. */
async function login (host: string, credentials?: Credentials): Promise<string> {
  const env: Record<string, string> = credentials === undefined
    ? {}
    : { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey }
  const password = await aws(CLIS[0], t.emu.url, ['ecr', 'get-login-password'], env)
  expect(password.status, password.stderr).toBe(0)
  const config = temporary('ecs-emulator-docker-config-')
  const r = await docker(['login', '--username', 'AWS', '--password-stdin', host], { DOCKER_CONFIG: config }, password.stdout.trim())
  expect(r.status, r.stderr).toBe(0)
  expect(r.stdout).toContain('Login Succeeded')
  return config
}

describe.skipIf(!hasDocker || CLIS.length === 0)(`docker push and pull through the registry${SKIP}`, () => {
  let host: string
  let image: string
  const tagged: string[] = []

  beforeAll(async () => {
    await ensureImages()
    host = `127.0.0.1:${t.emu.emulator.registry.port!}`
    image = `${host}/e2e/app:1`
    const context = temporary('ecs-emulator-build-')
    writeFileSync(join(context, 'Dockerfile'), `FROM ${IMAGES.busybox}\nCOPY hello.txt /hello.txt\n`)
    writeFileSync(join(context, 'hello.txt'), `hello ${Date.now()}\n`)
    const labels = Object.entries(LABELS).flatMap(([k, v]) => ['--label', `${k}=${v}`])
    const built = await docker(['build', '-q', ...labels, '-t', image, context])
    expect(built.status, built.stderr).toBe(0)
    tagged.push(image)
  }, 180_000)

  afterAll(async () => {
    for (const ref of tagged) await docker(['rmi', '-f', ref])
    for (const dir of temporaryDirs) rmSync(dir, { recursive: true, force: true })
  })

  it('logs in, pushes, and pulls the image back', async () => {
    await t.ecr.send(new CreateRepositoryCommand({ repositoryName: 'e2e/app' }))
    const config = await login(host)
    const pushed = await docker(['push', image], { DOCKER_CONFIG: config })
    expect(pushed.status, pushed.stderr).toBe(0)
    expect(pushed.stdout).toMatch(/1: digest: sha256:[a-f0-9]{64} size: \d+/)

    expect((await docker(['rmi', image])).status).toBe(0)
    const pulled = await docker(['pull', image], { DOCKER_CONFIG: config })
    expect(pulled.status, pulled.stderr).toBe(0)
    expect(pulled.stdout).toContain(`Status: Downloaded newer image for ${image}`)
    const run = await docker(['image', 'inspect', '--format', '{{index .Config.Labels "ecs-emulator.test-scope"}}', image])
    expect(run.stdout.trim()).toBe('ecr-registry')
  }, 180_000)

  it('prints ECR\'s denial for a user without ecr:BatchGetImage', async () => {
    const creds = await userWithKey(t.iam, 'docker-denied', allowPolicy('ecr:GetAuthorizationToken'))
    const config = await login(host, creds)
    const pulled = await docker(['pull', image], { DOCKER_CONFIG: config })
    expect(pulled.status).not.toBe(0)
    const arn = `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/e2e/app`
    expect(pulled.stderr).toContain(`denied: User: arn:aws:iam::${ACCOUNT}:user/docker-denied is not authorized to perform: ecr:BatchGetImage on resource: ${arn} because no identity-based policy allows the ecr:BatchGetImage action`)
  }, 120_000)

  it('says name unknown when pushing to a repository that does not exist', async () => {
    const config = await login(host)
    const other = `${host}/missing:1`
    expect((await docker(['tag', image, other])).status).toBe(0)
    tagged.push(other)
    const pushed = await docker(['push', other], { DOCKER_CONFIG: config })
    expect(pushed.status).not.toBe(0)
    expect(pushed.stderr).toContain(`name unknown: The repository with name 'missing' does not exist in the registry with id '${ACCOUNT}'`)
  }, 120_000)
})
