/**
 * What a task sees at 169.254.170.2 (credentials, task metadata, the AWS API through the
 * agent), and awsvpc tasks with their pause container.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DOCKER_SKIP, IMAGES, dockerode, ensureImages, hasDocker } from '../support/docker.js'
import { ACCOUNT } from '../support/fixtures.js'
import {
  acsTask, container, getJson, makeRole, outputOf, reported, sessionOf, startHarness, taskIdOf,
  type Harness
} from './engine-harness.js'
import { until } from './fake-engine.js'

/** A busybox GET of a metadata path (relative to the container's own v4 URI) through 169.254.170.2. */
const metadataGet = (path: string): string[] => ['sh', '-c',
  `printf 'GET %s HTTP/1.0\\r\\nHost: 169.254.170.2\\r\\n\\r\\n' "\${ECS_CONTAINER_METADATA_URI_V4#http://169.254.170.2}${path}" | nc 169.254.170.2 80; echo; exec sleep 300`]

/** The JSON body of an HTTP/1.0 answer in a container's output, once it is there. */
async function bodyIn (id: string): Promise<unknown> {
  return await until(async () => {
    const out = await outputOf(id)
    const at = out.indexOf('\r\n\r\n')
    return at >= 0 && out.trim().endsWith('}') && JSON.parse(out.slice(at + 4)) as unknown
  }, async () => `an answer in the output of ${id}: ${await outputOf(id)}`)
}

/** The container's Docker id, from the first report that has one. */
async function runtimeIdOf (h: Harness, taskArn: string, name: string): Promise<string> {
  return await until(() => h.reports.filter(r => r.taskArn === taskArn)
    .map(r => r.containers.find(c => c.containerName === name)?.runtimeId).find(id => id !== undefined),
  `a runtime id for ${name}`)
}

const NODE_SCRIPT = `
const { STSClient, GetCallerIdentityCommand } = require('@aws-sdk/client-sts')
;(async () => {
  const id = await new STSClient({}).send(new GetCallerIdentityCommand({}))
  const task = await (await fetch(process.env.ECS_CONTAINER_METADATA_URI_V4 + '/task')).json()
  const mine = await (await fetch(process.env.ECS_CONTAINER_METADATA_URI_V4)).json()
  const other = await fetch('http://169.254.170.2/v2/credentials/not-mine')
  console.log(JSON.stringify({
    arn: id.Arn, keyInEnv: process.env.AWS_ACCESS_KEY_ID ?? null,
    relative: process.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, task, mine,
    other: { status: other.status, body: await other.json() }
  }))
})().catch(e => { console.error(String(e)); process.exit(1) })`

describe.skipIf(!hasDocker)(`task engine endpoints ${DOCKER_SKIP}`, () => {
  let h: Harness
  let taskRole: string

  beforeAll(async () => {
    await ensureImages()
    h = await startHarness('engine-endpoints')
    taskRole = await makeRole(h.emu, 'EngineTaskRole', [])
  }, 60_000)

  afterAll(async () => { await h?.close() }, 60_000)

  it('lets the SDK in a container call STS as the task role through 169.254.170.2', async () => {
    const bare = acsTask({
      containers: [container('sdk', { image: IMAGES.node, memory: 256, command: ['node', '-e', NODE_SCRIPT] })]
    })
    const credentials = sessionOf(h.emu, taskRole, taskIdOf(bare), 'TaskApplication')
    const task = { ...bare, roleCredentials: credentials }
    h.engine.apply(task)

    const stopped = await reported(h, task, 'STOPPED', 30_000)
    const output = await outputOf(stopped.containers[0].runtimeId!, 'stdout')
    expect(stopped.containers[0]).toMatchObject({ exitCode: 0 })
    const seen = JSON.parse(output) as Record<string, any>
    expect(seen.arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/EngineTaskRole/${taskIdOf(task)}`)
    expect(seen.keyInEnv).toBeNull()
    expect(seen.relative).toBe(`/v2/credentials/${credentials.credentialsId}`)
    expect(seen.other).toEqual({
      status: 400, body: { code: 'InvalidIdInRequest', message: 'CredentialsV2Request: Credentials not found', HTTPErrorCode: 400 }
    })
    expect(seen.task).toMatchObject({
      Cluster: 'engine-cluster', TaskARN: task.arn, Family: 'engine-test', Revision: '1', DesiredStatus: 'RUNNING',
      KnownStatus: 'RUNNING', AvailabilityZone: 'us-east-1a', LaunchType: 'EC2'
    })
    expect(seen.mine).toMatchObject({
      DockerId: stopped.containers[0].runtimeId, Name: 'sdk', Image: IMAGES.node, KnownStatus: 'RUNNING', Type: 'NORMAL',
      Limits: { CPU: 0, Memory: 256 },
      Labels: { 'com.amazonaws.ecs.container-name': 'sdk', 'com.amazonaws.ecs.task-arn': task.arn },
      Networks: [{ NetworkMode: 'bridge', IPv4Addresses: [expect.stringMatching(/^\d+\.\d+\.\d+\.\d+$/)] }]
    })
    expect(seen.mine.DockerName).toMatch(/^ecs-engine-test-1-sdk-[0-9a-f]{20}$/)
    expect(seen.mine.CreatedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/)
  }, 40_000)

  it('serves the task role credentials only for their id, with the agent\'s errors', async () => {
    const bare = acsTask({ containers: [container('idle', { command: ['sleep', '300'], stopTimeout: 1 })] })
    const credentials = sessionOf(h.emu, taskRole, taskIdOf(bare), 'TaskApplication')
    const task = { ...bare, roleCredentials: credentials }
    h.engine.apply(task)
    const running = await reported(h, task, 'RUNNING')

    const base = h.endpointUrl()
    expect(await getJson(`${base}/v2/credentials/${credentials.credentialsId}`)).toEqual({
      status: 200,
      body: {
        RoleArn: taskRole, AccessKeyId: credentials.accessKeyId, SecretAccessKey: credentials.secretAccessKey,
        Token: credentials.sessionToken, Expiration: credentials.expiration
      }
    })
    expect(await getJson(`${base}/v2/credentials/`)).toEqual({
      status: 400, body: { code: 'NoIdInRequest', message: 'CredentialsV2Request: No Credential ID in the request', HTTPErrorCode: 400 }
    })
    expect(await getJson(`${base}/v1/credentials?id=nope`)).toEqual({
      status: 400, body: { code: 'InvalidIdInRequest', message: 'CredentialsV1Request: Credentials not found', HTTPErrorCode: 400 }
    })

    const refreshed = sessionOf(h.emu, taskRole, taskIdOf(bare), 'TaskApplication')
    h.engine.updateCredentials(task.arn, { ...refreshed, credentialsId: credentials.credentialsId })
    const after = await getJson(`${base}/v2/credentials/${credentials.credentialsId}`)
    expect(after.body).toMatchObject({ AccessKeyId: refreshed.accessKeyId })

    const env = (await dockerode().getContainer(running.containers[0].runtimeId!).inspect()).Config.Env
    const v4 = env.find(e => e.startsWith('ECS_CONTAINER_METADATA_URI_V4='))!.split('=')[1]
    const path = new URL(v4).pathname
    const tagged = await getJson(`${base}${path}/taskWithTags`)
    expect(tagged.status).toBe(200)
    // Neither the task nor the instance is registered with the control plane: both lookups fail.
    expect(tagged.body).toMatchObject({
      TaskARN: task.arn,
      Containers: [{ Name: 'idle' }],
      Errors: [
        { ErrorField: 'ContainerInstanceTags', StatusCode: 400, ResourceARN: expect.stringContaining(':container-instance/') },
        { ErrorField: 'TaskTags', StatusCode: 400, ResourceARN: task.arn }
      ]
    })
    const stats = await getJson(`${base}${path}/stats`)
    expect(stats.body).toHaveProperty('memory_stats')
    const taskStats = await getJson(`${base}${path}/task/stats`)
    expect(Object.keys(taskStats.body as object)).toEqual([running.containers[0].runtimeId])

    // Anything else goes on to the control plane.
    const health = await getJson(`${base}/_emulator/health`)
    expect(health).toMatchObject({ status: 200, body: { status: 'ok' } })

    h.engine.apply({ ...task, desiredStatus: 'STOPPED' })
    await reported(h, task, 'STOPPED')
  })

  it('runs an awsvpc task in its pause container\'s network namespace', async () => {
    const attachmentArn = `arn:aws:ecs:us-east-1:${ACCOUNT}:attachment/0b6f3b8c-1d2e-4f5a-9b8c-7d6e5f4a3b2c`
    const task = acsTask({
      networkMode: 'awsvpc',
      elasticNetworkInterfaces: [{ attachmentArn, ipv4Addresses: [{ primary: true, privateAddress: '10.0.1.5' }] }],
      containers: [
        container('web', {
          command: ['sh', '-c', 'mkdir -p /www && echo awsvpc > /www/index.html && exec httpd -f -p 8080 -h /www'],
          portMappings: [{ containerPort: 8080, hostPort: 8080, protocol: 'tcp' }],
          stopTimeout: 1
        }),
        container('probe', { essential: false, command: metadataGet('/task'), stopTimeout: 1 })
      ]
    })
    h.engine.apply(task)

    const running = await reported(h, task, 'RUNNING')
    const ip = running.attachments?.[0].privateIPv4Address
    expect(running.attachments).toEqual([{ attachmentArn, status: 'ATTACHED', privateIPv4Address: expect.stringMatching(/^\d+\.\d+\.\d+\.\d+$/) }])
    expect(running.containers[0].networkBindings).toBeUndefined()
    // RUNNING is the container started, not its server listening (as on ECS): httpd may be a moment later.
    const page = await until(async () => await (await fetch(`http://${ip}:8080/`)).text(), `httpd on ${ip ?? '?'}:8080`)
    expect(page).toBe('awsvpc\n')

    const web = await dockerode().getContainer(running.containers[0].runtimeId!).inspect()
    const pauseId = web.HostConfig.NetworkMode!.replace(/^container:/, '')
    const pause = await dockerode().getContainer(pauseId).inspect()
    expect(pause.Config.Image).toBe('amazon/amazon-ecs-pause:0.1.0')
    expect(pause.Config.Labels['com.amazonaws.ecs.container-name']).toBe('~internal~ecs~pause')
    expect(pause.Name).toMatch(/^\/ecs-engine-test-1-internalecspause-[0-9a-f]{20}$/)

    const metadata = await bodyIn(await runtimeIdOf(h, task.arn, 'probe')) as Record<string, any>
    const paused = (metadata.Containers as Record<string, any>[]).find(c => c.Type === 'CNI_PAUSE')
    expect(paused).toMatchObject({
      Name: '~internal~ecs~pause', Image: 'amazon/amazon-ecs-pause:0.1.0', DesiredStatus: 'RESOURCES_PROVISIONED',
      KnownStatus: 'RESOURCES_PROVISIONED', Limits: { CPU: 0, Memory: 0 },
      Networks: [{ NetworkMode: 'awsvpc', IPv4Addresses: [ip], AttachmentIndex: 0 }]
    })

    h.engine.apply({ ...task, desiredStatus: 'STOPPED' })
    const stopped = await reported(h, task, 'STOPPED')
    expect(stopped.attachments).toEqual([{ attachmentArn, status: 'DETACHED' }])
    expect((await dockerode().getContainer(pauseId).inspect()).State.Running).toBe(false)
  })
})
