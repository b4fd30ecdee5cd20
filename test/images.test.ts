import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type Docker from 'dockerode'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  DOCKER_SKIP, IMAGES, containerAddress, dockerode, ensureImages, hasDocker, removeByLabel,
  testRunLabel
} from './support/docker.js'

const SCRIPT = fileURLToPath(new URL('../scripts/images.sh', import.meta.url))
const labels = testRunLabel('images')

interface Finished { exitCode: number, output: string }

async function create (image: string, options: Docker.ContainerCreateOptions = {}): Promise<Docker.Container> {
  return await dockerode().createContainer({ Image: image, Labels: labels, Tty: true, ...options })
}

async function runToEnd (image: string, cmd: string[], options: Docker.ContainerCreateOptions = {}): Promise<Finished> {
  const container = await create(image, { Cmd: cmd, ...options })
  await container.start()
  const { StatusCode } = await container.wait() as { StatusCode: number }
  const output = String(await container.logs({ stdout: true, stderr: true }))
  return { exitCode: StatusCode, output }
}

async function logsUntil (container: Docker.Container, text: string, ms = 5000): Promise<string> {
  const until = Date.now() + ms
  for (;;) {
    const output = String(await container.logs({ stdout: true, stderr: true }))
    if (output.includes(text) || Date.now() > until) return output
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

async function fetchUntilUp (url: string, ms = 5000): Promise<Response> {
  const until = Date.now() + ms
  for (;;) {
    try {
      return await fetch(url)
    } catch (e) {
      if (Date.now() > until) throw e
      await new Promise(resolve => setTimeout(resolve, 50))
    }
  }
}

describe.skipIf(!hasDocker)(`offline images${DOCKER_SKIP}`, () => {
  beforeAll(ensureImages, 180_000)
  afterAll(async () => { await removeByLabel(labels) })

  it.each([
    ['busybox', IMAGES.busybox], ['node', IMAGES.node], ['pause', IMAGES.pause],
    ['gitlab-runner', IMAGES.gitlabRunner]
  ])('builds the %s image (%s), labelled with its name and its inputs', async (name, image) => {
    const info = await dockerode().getImage(image).inspect()

    expect(info.Config.Labels?.['ecs-emulator.image']).toBe(name)
    expect(info.Config.Labels?.['ecs-emulator.inputs']).toMatch(/^[0-9a-f]{16}$/)
  })

  it('leaves images whose inputs are unchanged as they are', () => {
    const r = spawnSync('bash', [SCRIPT], { encoding: 'utf8', timeout: 60_000 })
    expect(r.status, r.stderr).toBe(0)
    for (const image of Object.values(IMAGES)) expect(r.stdout).toContain(`${image}: up to date`)
  })

  it('serves a file with busybox httpd, reachable on the bridge address', async () => {
    const container = await create(IMAGES.busybox, {
      Cmd: ['sh', '-c', 'mkdir -p /www && echo hello from busybox > /www/index.html && exec httpd -f -p 8080 -h /www']
    })
    await container.start()
    const address = await containerAddress(container.id)

    const response = await fetchUntilUp(`http://${address}:8080/index.html`)

    expect(response.status).toBe(200)
    expect(await response.text()).toBe('hello from busybox\n')
  })

  it('loads the SDK clients in the node image, by require and by import', async () => {
    const script = [
      "const { STSClient } = require('@aws-sdk/client-sts')",
      "import('@aws-sdk/client-ecs').then(m => console.log(typeof STSClient, typeof m.ECSClient, process.env.NODE_PATH))"
    ].join(';')

    const r = await runToEnd(IMAGES.node, ['node', '-e', script], { WorkingDir: '/tmp', NetworkDisabled: true })

    expect(r).toEqual({ exitCode: 0, output: 'function function /opt/node_modules\r\n' })
  })

  it('has a shell in the node image, for health checks and commands', async () => {
    const r = await runToEnd(IMAGES.node, ['sh', '-c', 'echo $((6 * 7)) && node --version'])

    expect(r.exitCode).toBe(0)
    expect(r.output).toBe(`42\r\n${process.version}\r\n`)
  })

  it('stops the pause container on SIGTERM within a second, with exit code 0', async () => {
    const container = await create(IMAGES.pause)
    await container.start()
    await new Promise(resolve => setTimeout(resolve, 200))

    const started = Date.now()
    await container.stop({ t: 10 })
    const took = Date.now() - started

    expect(took).toBeLessThan(1000)
    expect((await container.inspect()).State.ExitCode).toBe(0)
  })

  it('keeps the real gitlab-runner image entrypoint, command and stop signal', async () => {
    const { Config } = await dockerode().getImage(IMAGES.gitlabRunner).inspect()

    expect(Config.Entrypoint).toEqual(['/usr/bin/dumb-init', '/entrypoint'])
    expect(Config.Cmd).toEqual(['run', '--user=gitlab-runner', '--working-directory=/home/gitlab-runner'])
    expect((Config as { StopSignal?: string }).StopSignal).toBe('SIGQUIT')
  })

  it('starts the gitlab-runner stand-in through its entrypoint and runs until stopped', async () => {
    const container = await create(IMAGES.gitlabRunner)
    await container.start()

    const output = await logsUntil(container, 'Failed to load config')
    expect(output).toContain('Starting multi-runner from /etc/gitlab-runner/config.toml...')
    expect(output).toContain('ERROR: Failed to load config stat /etc/gitlab-runner/config.toml: no such file or directory')
    expect((await container.inspect()).State.Running).toBe(true)

    await container.stop({ t: 10 })
    const stopped = await container.inspect()
    expect(stopped.State.ExitCode).toBe(0)
    expect(await logsUntil(container, 'Graceful shutdown done', 0)).toContain('Graceful shutdown done')
  })

  it('refuses the card\'s one-string command as the real runner does', async () => {
    const r = await runToEnd(IMAGES.gitlabRunner, ['gitlab-runner run --max-builds 1'])

    expect(r.exitCode).toBe(1)
    expect(r.output).toContain('FATAL: Command gitlab-runner run --max-builds 1 not found.')
  })
})
