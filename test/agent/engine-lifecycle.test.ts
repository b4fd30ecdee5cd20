/**
 * The engine's task lifecycle on the real Docker engine: networking modes, exits, stop
 * timeouts, dependsOn, adoption after a restart.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DOCKER_SKIP, dockerode, ensureImages, freePort, hasDocker } from '../support/docker.js'
import {
  acsTask, container, containersOf, getJson, outputOf, reported, startHarness, taskIdOf, type Harness
} from './engine-harness.js'
import { until } from '../support/until.js'

const HTTPD = ['sh', '-c', 'mkdir -p /www && echo hello-from-task > /www/index.html && exec httpd -f -p 8080 -h /www']

describe.skipIf(!hasDocker)(`task engine lifecycle ${DOCKER_SKIP}`, () => {
  let h: Harness

  beforeAll(async () => {
    await ensureImages()
    h = await startHarness('engine-lifecycle')
  }, 60_000)

  afterAll(async () => { await h?.close() }, 60_000)

  it('runs a bridge task whose port is reachable on the host port it reports', async () => {
    const task = acsTask({
      containers: [container('web', { command: HTTPD, stopTimeout: 1, portMappings: [{ containerPort: 8080, protocol: 'tcp' }] })]
    })
    h.engine.apply(task)

    const pending = await reported(h, task, 'PENDING')
    expect(pending.pullStartedAt).toBeInstanceOf(Date)
    const running = await reported(h, task, 'RUNNING')
    const web = running.containers[0]
    expect(web).toMatchObject({ containerName: 'web', status: 'RUNNING' })
    expect(web.runtimeId).toMatch(/^[0-9a-f]{64}$/)
    expect(web.imageDigest).toMatch(/^sha256:[0-9a-f]{64}$/)
    const binding = web.networkBindings![0]
    expect(binding).toMatchObject({ bindIP: '0.0.0.0', containerPort: 8080, protocol: 'tcp' })
    expect(binding.hostPort).toBeGreaterThan(0)
    // RUNNING says the container started, not that httpd listens yet.
    const text = await until(() => fetch(`http://127.0.0.1:${binding.hostPort}/`).then(r => r.text(), () => undefined), 'httpd')
    expect(text).toBe('hello-from-task\n')

    const info = await dockerode().getContainer(web.runtimeId!).inspect()
    expect(info.Name).toMatch(/^\/ecs-engine-test-1-web-[0-9a-f]{20}$/)
    expect(info.Config.Labels).toMatchObject({
      'com.amazonaws.ecs.task-arn': task.arn,
      'com.amazonaws.ecs.container-name': 'web',
      'com.amazonaws.ecs.cluster': 'engine-cluster',
      'com.amazonaws.ecs.task-definition-family': 'engine-test',
      'com.amazonaws.ecs.task-definition-version': '1',
      'ecs-emulator.instance-id': h.instanceId,
      ...h.labels
    })
    // Docker's default bridge, as ECS runs bridge tasks (the agent network is awsvpc's).
    expect(info.HostConfig.NetworkMode).toBe('bridge')
    expect(info.HostConfig.Memory).toBe(64 * 1024 * 1024)
    expect(info.Config.Env).toContain('AWS_EXECUTION_ENV=AWS_ECS_EC2')
    expect(info.Config.Env).toContain('AWS_REGION=us-east-1')
    expect(info.Config.Env).toContain('AWS_ENDPOINT_URL=http://169.254.170.2')
    expect(info.Config.Env.some(e => e.startsWith('AWS_ACCESS_KEY_ID='))).toBe(false)

    h.engine.apply({ ...task, desiredStatus: 'STOPPED' })
    const stopped = await reported(h, task, 'STOPPED')
    expect(stopped.containers[0]).toMatchObject({ containerName: 'web', status: 'STOPPED' })
    expect(stopped.executionStoppedAt).toBeInstanceOf(Date)
  })

  it('runs a host-mode task on the host network', async () => {
    const port = await freePort()
    const task = acsTask({
      networkMode: 'host',
      containers: [container('web', {
        command: ['sh', '-c', `mkdir -p /www && echo host-mode > /www/index.html && exec httpd -f -p ${port} -h /www`],
        portMappings: [{ containerPort: port, hostPort: port, protocol: 'tcp' }],
        stopTimeout: 1
      })]
    })
    h.engine.apply(task)

    const running = await reported(h, task, 'RUNNING')
    expect(running.containers[0].networkBindings).toEqual([{ bindIP: '0.0.0.0', containerPort: port, hostPort: port, protocol: 'tcp' }])
    const text = await until(() => fetch(`http://127.0.0.1:${port}/`).then(r => r.text(), () => undefined), 'httpd')
    expect(text).toBe('host-mode\n')
    const info = await dockerode().getContainer(running.containers[0].runtimeId!).inspect()
    expect(info.HostConfig.NetworkMode).toBe('host')

    h.engine.apply({ ...task, desiredStatus: 'STOPPED' })
    await reported(h, task, 'STOPPED')
  })

  it('stops the task with the exit code when an essential container exits', async () => {
    const task = acsTask({
      containers: [
        // main runs long enough for the sidecar to start after it.
        container('main', { command: ['sh', '-c', 'sleep 3; exit 3'] }),
        container('sidecar', { essential: false, command: ['sleep', '300'], stopTimeout: 2 })
      ]
    })
    h.engine.apply(task)

    const stopped = await reported(h, task, 'STOPPED')
    expect(stopped.reason).toBe('Essential container in task exited')
    expect(stopped.containers.find(c => c.containerName === 'main')).toMatchObject({ status: 'STOPPED', exitCode: 3 })
    // busybox sleep as PID 1 ignores SIGTERM: killed after its stopTimeout.
    expect(stopped.containers.find(c => c.containerName === 'sidecar')).toMatchObject({ status: 'STOPPED', exitCode: 137 })
  })

  it('kills a container that ignores SIGTERM after its stopTimeout', async () => {
    const task = acsTask({
      containers: [container('stubborn', { command: ['sh', '-c', "trap '' TERM; while true; do sleep 1; done"], stopTimeout: 2 })]
    })
    h.engine.apply(task)
    await reported(h, task, 'RUNNING')

    const began = Date.now()
    h.engine.apply({ ...task, desiredStatus: 'STOPPED' })
    const stopped = await reported(h, task, 'STOPPED')
    const took = Date.now() - began
    expect(stopped.containers[0]).toMatchObject({ status: 'STOPPED', exitCode: 137 })
    expect(took).toBeGreaterThanOrEqual(2000)
    expect(took).toBeLessThan(10_000)
    expect(stopped.reason).toBeUndefined()
  })

  it('starts a container only once the one it depends on is HEALTHY', async () => {
    const task = acsTask({
      containers: [
        container('db', {
          command: ['sh', '-c', 'sleep 2; touch /tmp/ready; exec sleep 300'],
          healthCheckType: 'docker',
          stopTimeout: 1,
          config: { Healthcheck: { Test: ['CMD-SHELL', 'test -f /tmp/ready'], Interval: 500_000_000, Timeout: 1_000_000_000, Retries: 3 } }
        }),
        container('app', { command: ['sleep', '300'], stopTimeout: 1, dependsOn: [{ containerName: 'db', condition: 'HEALTHY' }] })
      ]
    })
    h.engine.apply(task)

    const running = await reported(h, task, 'RUNNING')
    const healthy = h.health.find(c => c.taskArn === task.arn && c.containers.some(x => x.healthStatus === 'HEALTHY'))
    expect(healthy).toMatchObject({ family: 'engine-test', version: '1', containers: [{ containerName: 'db', healthStatus: 'HEALTHY' }] })
    const ids = Object.fromEntries(running.containers.map(c => [c.containerName, c.runtimeId!]))
    const [db, app] = await Promise.all([ids.db, ids.app].map(async id => await dockerode().getContainer(id).inspect()))
    const dbHealthy = healthy!.containers[0].statusSince.getTime()
    expect(Date.parse(app.State.StartedAt)).toBeGreaterThanOrEqual(dbHealthy - 5)
    expect(Date.parse(app.State.StartedAt) - Date.parse(db.State.StartedAt)).toBeGreaterThan(1500)

    h.engine.apply({ ...task, desiredStatus: 'STOPPED' })
    await reported(h, task, 'STOPPED')
  })

  it('adopts its running tasks after a restart instead of starting them again', async () => {
    const task = acsTask({ containers: [container('long', { command: ['sleep', '300'], stopTimeout: 1 })] })
    h.engine.apply(task)
    const running = await reported(h, task, 'RUNNING')

    const adopted = await h.restart()
    expect(adopted).toContain(task.arn)
    expect(h.engine.tasks()).toContainEqual({ taskArn: task.arn, status: 'RUNNING' })
    h.engine.apply(task) // ACS sends the task again after the reconnect
    await new Promise(resolve => setTimeout(resolve, 500))
    const containers = await containersOf(task)
    expect(containers.map(c => c.Id)).toEqual([running.containers[0].runtimeId])

    const metadataUrl = `${h.endpointUrl()}/v4/unknown-id`
    expect(await getJson(metadataUrl)).toEqual({
      status: 404,
      body: 'V4 container metadata handler: unable to get container ID from request: unable to get docker ID from v3 endpoint ID: unknown-id'
    })

    const before = h.reports.length
    h.engine.apply({ ...task, desiredStatus: 'STOPPED' })
    const stopped = await reported(h, task, 'STOPPED')
    expect(h.reports.indexOf(stopped)).toBeGreaterThanOrEqual(before)
    expect(stopped.containers[0]).toMatchObject({ runtimeId: running.containers[0].runtimeId, status: 'STOPPED', exitCode: 137 })
    expect(taskIdOf(task)).toMatch(/^[0-9a-f]{32}$/)
  })

  it('records an exit that happened while the agent was down and ships the rest of the logs once', async () => {
    const task = acsTask({
      containers: [container('ticker', {
        command: ['sh', '-c', 'i=0; while [ $i -lt 30 ]; do echo tick-$i; i=$((i+1)); sleep 0.1; done; exit 5'],
        hostConfig: {
          LogConfig: {
            Type: 'awslogs',
            Config: { 'awslogs-group': '/ecs/adopted', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'ecs', 'awslogs-create-group': 'true' }
          }
        }
      })]
    })
    h.engine.apply(task)
    const running = await reported(h, task, 'RUNNING')
    await new Promise(resolve => setTimeout(resolve, 1200))

    await h.engine.close()
    await dockerode().getContainer(running.containers[0].runtimeId!).wait()
    await h.restart()

    const stopped = await reported(h, task, 'STOPPED')
    expect(stopped.reason).toBe('Essential container in task exited')
    expect(stopped.containers[0]).toMatchObject({ status: 'STOPPED', exitCode: 5 })
    const events = await h.emu.clients().logs.send(new GetLogEventsCommand({
      logGroupName: '/ecs/adopted', logStreamName: `ecs/ticker/${taskIdOf(task)}`, startFromHead: true
    }))
    expect(events.events!.map(e => e.message)).toEqual(Array.from({ length: 30 }, (_, i) => `tick-${i}`))
  })

  it('mounts a host path and a task volume, read-only where asked, after a SUCCESS dependency', async () => {
    const hostDir = mkdtempSync(join(tmpdir(), 'engine-host-'))
    try {
      writeFileSync(join(hostDir, 'in.txt'), 'from-host')
      const task = acsTask({
        volumes: [
          { name: 'host', type: 'host', host: { sourcePath: hostDir } },
          { name: 'scratch', type: 'docker', dockerVolumeConfiguration: { scope: 'task', driver: 'local' } }
        ],
        containers: [
          container('writer', {
            essential: false,
            command: ['sh', '-c', 'cat /host/in.txt > /scratch/copy.txt && echo written > /host/out.txt'],
            mountPoints: [{ sourceVolume: 'host', containerPath: '/host' }, { sourceVolume: 'scratch', containerPath: '/scratch' }]
          }),
          container('reader', {
            command: ['sh', '-c', 'cat /scratch/copy.txt; touch /scratch/x 2>/dev/null || echo " read-only"'],
            mountPoints: [{ sourceVolume: 'scratch', containerPath: '/scratch', readOnly: true }],
            dependsOn: [{ containerName: 'writer', condition: 'SUCCESS' }]
          })
        ]
      })
      h.engine.apply(task)

      const stopped = await reported(h, task, 'STOPPED')
      const reader = stopped.containers.find(c => c.containerName === 'reader')!
      expect(stopped.containers.find(c => c.containerName === 'writer')).toMatchObject({ exitCode: 0 })
      expect(reader).toMatchObject({ exitCode: 0 })
      expect(await outputOf(reader.runtimeId!)).toBe('from-host read-only\n')
      expect(readFileSync(join(hostDir, 'out.txt'), 'utf8')).toBe('written\n')
      const volume = await dockerode().getVolume(`ecs-engine-test-1-scratch-${taskIdOf(task)}`).inspect()
      expect(volume.Labels).toMatchObject({ 'com.amazonaws.ecs.task-arn': task.arn, ...h.labels })
    } finally {
      rmSync(hostDir, { recursive: true, force: true })
    }
  })

  it('links bridge containers under their alias', async () => {
    const task = acsTask({
      containers: [
        container('server', { essential: false, command: ['sleep', '300'], stopTimeout: 1 }),
        container('client', { command: ['ping', '-c', '1', '-W', '2', 'backend'], links: ['server:backend'] })
      ]
    })
    h.engine.apply(task)

    const stopped = await reported(h, task, 'STOPPED')
    expect(stopped.containers.find(c => c.containerName === 'client')).toMatchObject({ exitCode: 0 })
  })

  it('removes a stopped task\'s containers, task volumes and pause container after the cleanup wait', async () => {
    const task = acsTask({
      networkMode: 'awsvpc',
      volumes: [{ name: 'scratch', type: 'docker', dockerVolumeConfiguration: { scope: 'task' } }],
      containers: [container('once', { command: ['true'], mountPoints: [{ sourceVolume: 'scratch', containerPath: '/s' }] })]
    })
    h.engine.apply(task)
    await reported(h, task, 'STOPPED')
    expect((await containersOf(task)).length).toBe(2)

    const adopted = await h.restart({ taskCleanupWaitMs: 0 })
    expect(adopted).toContain(task.arn)
    // The containers go first, then the volumes, then the task: wait for all three.
    const left = async () => ({
      containers: (await containersOf(task)).map(c => c.Id),
      volumes: ((await dockerode().listVolumes({ filters: { label: [`com.amazonaws.ecs.task-arn=${task.arn}`] } })).Volumes ?? []).map(v => v.Name),
      known: h.engine.tasks().some(t => t.taskArn === task.arn)
    })
    let last: Awaited<ReturnType<typeof left>> | undefined
    await until(async () => {
      last = await left()
      return last.containers.length === 0 && last.volumes.length === 0 && !last.known
    }, () => `the task cleaned up: ${JSON.stringify(last)}`)
    expect(last).toEqual({ containers: [], volumes: [], known: false })
  })
})
