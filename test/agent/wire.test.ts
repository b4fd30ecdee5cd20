/**
 * The agent's wire forms as the ECS agent sends them (../shared/reference/acs-protocol.md):
 * the ACS and TCS URLs, the signed upgrade and TCS frames, refused-handshake bodies, the
 * registration attributes and the state-change body; and its configuration.
 */
import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import type Docker from 'dockerode'
import { describe, expect, it } from 'vitest'
import pino from 'pino'
import { AcsSession } from '../../agent/acs-client.js'
import { agentAttributes, missingAttributes, supportedApiVersions, type DockerHost } from '../../agent/capabilities.js'
import { AgentConfigError, loadAgentConfig } from '../../agent/config.js'
import { ContainerRoutes, ensureAgentNetwork } from '../../agent/host-network.js'
import type { EcsApi } from '../../agent/ecs-api.js'
import { submission } from '../../agent/reporter.js'
import { signedFrame, signedHeaders } from '../../agent/signing.js'
import { decodeConnectionError } from '../../agent/socket.js'
import { TcsSession } from '../../agent/tcs-client.js'
import { AGENT_HASH, AGENT_VERSION } from '../../agent/version.js'

const CREDS = { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' }
const ARN = 'arn:aws:ecs:us-east-1:000000000000:container-instance/probe/0123456789abcdef'
const HOST: DockerHost = { ncpu: 4, memTotal: 8 * 1024 ** 3, serverVersion: '20.10.24+dfsg1', apiVersion: '1.41', minApiVersion: '1.12' }

const session = {
  api: {} as EcsApi, log: pino({ level: 'silent' }), cluster: 'probe', containerInstanceArn: ARN,
  region: 'us-east-1', credentials: async () => CREDS, dockerVersion: '20.10.24+dfsg1', timeScale: 1
}

describe('the ACS and TCS URLs', () => {
  it('opens ACS at <endpoint>ws with the query the ECS agent sends', () => {
    const acs = new AcsSession({ ...session, target: {} as never })
    const url = acs.url('http://127.0.0.1:4566/acs/')
    expect(url.pathname).toBe('/acs/ws')
    expect(url.search).toBe(`?agentHash=${AGENT_HASH}&agentVersion=${AGENT_VERSION}&clusterArn=probe` +
      `&containerInstanceArn=${encodeURIComponent(ARN)}&dockerVersion=DockerVersion%3A+20.10.24%2Bdfsg1` +
      '&protocolVersion=2&sendCredentials=true&seqNum=1')
    expect(acs.url('http://127.0.0.1:4566/acs').pathname).toBe('/acs/ws')
  })

  it('opens TCS at <telemetryEndpoint>ws with cluster and containerInstance', () => {
    const url = new TcsSession(session).url('http://127.0.0.1:4566/tcs/')
    expect(url.pathname).toBe('/tcs/ws')
    expect([...url.searchParams.keys()]).toEqual(['agentHash', 'agentVersion', 'cluster', 'containerInstance', 'dockerVersion'])
    expect(url.searchParams.get('cluster')).toBe('probe')
    expect(url.searchParams.get('containerInstance')).toBe(ARN)
  })
})

describe('SigV4 on the websockets', () => {
  it('signs the upgrade as a GET for service ecs over host and x-amz-date, with the session token', async () => {
    const h = await signedHeaders(new URL('http://127.0.0.1:4566/acs/ws?clusterArn=probe&seqNum=1'), 'us-east-1', CREDS)
    expect(h.Authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE\/\d{8}\/us-east-1\/ecs\/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/)
    expect(h['X-Amz-Date']).toMatch(/^\d{8}T\d{6}Z$/)
    expect(h['X-Amz-Security-Token']).toBe('token')
    expect(h.Host).toBe('127.0.0.1:4566')
    expect(h['X-Amz-Content-Sha256']).toBeUndefined()
  })

  it('frames a TCS message as a signed header block, a blank line, then the JSON', async () => {
    const json = JSON.stringify({ type: 'PublishInstanceStatusRequest', message: {} })
    const frame = await signedFrame(new URL('http://127.0.0.1:4566/tcs/ws?cluster=probe'), 'us-east-1', CREDS, json)
    const [block, body] = frame.split('\r\n\r\n')
    expect(body).toBe(json)
    expect(frame.startsWith('Authorization: AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/')).toBe(true)
    expect(block.split('\r\n').map(l => l.split(':')[0])).toEqual(['Authorization', 'Host', 'X-Amz-Date', 'X-Amz-Security-Token'])
  })
})

describe('refused handshakes', () => {
  it('reads ACS\'s {"Exception": "message"} body', () => {
    expect(decodeConnectionError('{"InactiveInstanceException":"Container instance abc is inactive."}'))
      .toEqual({ code: 'InactiveInstanceException', message: 'Container instance abc is inactive.' })
    expect(decodeConnectionError('{"AccessDeniedException":"Forbidden"}')).toEqual({ code: 'AccessDeniedException', message: 'Forbidden' })
  })

  it('reads an AWS JSON error and plain text', () => {
    expect(decodeConnectionError('{"__type":"com.amazon#AccessDeniedException","message":"no"}'))
      .toEqual({ code: 'AccessDeniedException', message: 'no' })
    expect(decodeConnectionError('Bad Gateway', undefined)).toEqual({ code: 'UnknownError', message: 'Bad Gateway' })
  })
})

describe('registration attributes', () => {
  it('names the Docker remote API versions from 1.17 up to the engine\'s own', () => {
    expect(supportedApiVersions(HOST)).toEqual(Array.from({ length: 25 }, (_, i) => `1.${17 + i}`))
    expect(supportedApiVersions({ ...HOST, apiVersion: '1.44', minApiVersion: '1.24' })[0]).toBe('1.24')
  })

  it('sends the ECS agent\'s Linux capabilities, os type and family, and the Fargate marker only when asked', () => {
    const names = agentAttributes(HOST, { fargateCapacity: false }).map(a => a.name)
    for (const n of ['ecs.capability.task-eni', 'com.amazonaws.ecs.capability.task-iam-role',
      'com.amazonaws.ecs.capability.task-iam-role-network-host', 'ecs.capability.execution-role-ecr-pull',
      'ecs.capability.execution-role-awslogs', 'ecs.capability.secrets.asm.environment-variables',
      'ecs.capability.secrets.ssm.environment-variables', 'ecs.capability.container-health-check',
      'com.amazonaws.ecs.capability.logging-driver.awslogs', 'com.amazonaws.ecs.capability.ecr-auth',
      'com.amazonaws.ecs.capability.docker-remote-api.1.17', 'com.amazonaws.ecs.capability.docker-remote-api.1.41']) {
      expect(names).toContain(n)
    }
    expect(names).not.toContain('ecs.cpu-architecture') // ECS takes it from the identity document on EC2
    expect(names).not.toContain('ecs-emulator.capability.fargate')
    expect(agentAttributes(HOST, { fargateCapacity: false })).toContainEqual({ name: 'ecs.os-type', value: 'linux' })
    expect(agentAttributes(HOST, { fargateCapacity: true }).map(a => a.name)).toContain('ecs-emulator.capability.fargate')
    expect(new Set(names).size).toBe(names.length)
  })

  it('finds the sent pairs a reply does not echo, as validateRegisteredAttributes does', () => {
    const sent = [{ name: 'a' }, { name: 'b', value: '1' }, { name: 'c', value: '2' }]
    expect(missingAttributes(sent, [{ name: 'a' }, { name: 'b', value: '1' }, { name: 'c', value: '3' }])).toEqual(['c'])
    expect(missingAttributes(sent, undefined)).toEqual(['a', 'b', 'c'])
  })
})

describe('SubmitTaskStateChange bodies', () => {
  it('sends the cluster name, an empty reason when there is none, and the containers as reported', () => {
    const body = submission('probe', {
      taskArn: 'arn:aws:ecs:us-east-1:000000000000:task/probe/abc', status: 'RUNNING',
      containers: [{ containerName: 'c1', runtimeId: 'r'.repeat(300), status: 'RUNNING' }]
    })
    expect(body).toMatchObject({ cluster: 'probe', task: 'arn:aws:ecs:us-east-1:000000000000:task/probe/abc', status: 'RUNNING', reason: '' })
    expect(body.containers?.[0].runtimeId).toHaveLength(255)
    expect(body.attachments).toBeUndefined()
  })

  it('names the task\'s own cluster: a Fargate task of another cluster on the emulator\'s Fargate capacity', () => {
    const body = submission('default', { taskArn: 'arn:aws:ecs:us-east-1:000000000000:task/web/abc', status: 'RUNNING', containers: [] })
    expect(body.cluster).toBe('web')
  })
})

describe('agent configuration', () => {
  it('defaults as the plan says', () => {
    expect(loadAgentConfig([], {})).toEqual({
      endpoint: 'http://127.0.0.1:4566', cluster: 'default', instanceProfile: 'ecs-emulator-instance-profile',
      dataDir: './data/agent-default', labels: {}, fargateCapacity: false, logLevel: 'info', timeScale: 1,
      procSys: '/proc/sys'
    })
  })

  it('reads flags over ECS_EMULATOR_AGENT_* variables, with repeatable labels and DOCKER_HOST', () => {
    const c = loadAgentConfig(['--cluster', 'prod', '--label', 'a=1', '--label=b=x=y', '--fargate-capacity', '--endpoint=http://h:1/'],
      { ECS_EMULATOR_AGENT_CLUSTER: 'other', ECS_EMULATOR_AGENT_LABELS: 'c=3', DOCKER_HOST: 'tcp://docker:2375' })
    expect(c).toMatchObject({
      cluster: 'prod', dataDir: './data/agent-prod', labels: { a: '1', b: 'x=y', c: '3' }, fargateCapacity: true,
      endpoint: 'http://h:1', dockerHost: 'tcp://docker:2375'
    })
    expect(Object.isFrozen(c)).toBe(true)
  })

  it('takes the emulator\'s ECS_EMULATOR_TIME_SCALE unless its own is set', () => {
    expect(loadAgentConfig([], { ECS_EMULATOR_TIME_SCALE: '0.1' }).timeScale).toBe(0.1)
    expect(loadAgentConfig([], { ECS_EMULATOR_TIME_SCALE: '0.1', ECS_EMULATOR_AGENT_TIME_SCALE: '0.5' }).timeScale).toBe(0.5)
    expect(loadAgentConfig(['--time-scale', '2'], { ECS_EMULATOR_TIME_SCALE: '0.1' }).timeScale).toBe(2)
  })

  it('refuses what it cannot use', () => {
    expect(() => loadAgentConfig(['--bogus'], {})).toThrow(new AgentConfigError('unknown option --bogus'))
    expect(() => loadAgentConfig(['--label', 'novalue'], {})).toThrow("--label must be key=value, not 'novalue'")
    expect(() => loadAgentConfig(['--instance-id', 'x'], {})).toThrow("--instance-id must be an EC2 instance id (i-...), not 'x'")
    expect(() => loadAgentConfig(['--endpoint', 'ftp://x'], {})).toThrow("--endpoint must be an http:// or https:// URL, not 'ftp://x'")
  })

  it('takes the awsvpc network from --network over ECS_EMULATOR_AGENT_NETWORK, else the instance\'s own', () => {
    expect(loadAgentConfig([], {}).agentNetwork).toBeUndefined()
    expect(loadAgentConfig([], { ECS_EMULATOR_AGENT_NETWORK: '' }).agentNetwork).toBeUndefined()
    expect(loadAgentConfig([], { ECS_EMULATOR_AGENT_NETWORK: 'ecs-emulator' }).agentNetwork).toBe('ecs-emulator')
    expect(loadAgentConfig(['--network', 'mine'], { ECS_EMULATOR_AGENT_NETWORK: 'ecs-emulator' }).agentNetwork).toBe('mine')
    expect(loadAgentConfig([], {}, { agentNetwork: 'given' }).agentNetwork).toBe('given')
  })

  it('takes /proc/sys from --proc-sys over ECS_EMULATOR_PROC_SYS, an absolute path', () => {
    expect(loadAgentConfig([], { ECS_EMULATOR_PROC_SYS: '' }).procSys).toBe('/proc/sys')
    expect(loadAgentConfig([], { ECS_EMULATOR_PROC_SYS: '/host/proc/sys' }).procSys).toBe('/host/proc/sys')
    expect(loadAgentConfig(['--proc-sys=/mnt/sys'], { ECS_EMULATOR_PROC_SYS: '/host/proc/sys' }).procSys).toBe('/mnt/sys')
    expect(() => loadAgentConfig(['--proc-sys', 'host/proc/sys'], {}))
      .toThrow(new AgentConfigError("--proc-sys must be an absolute path, not 'host/proc/sys'"))
    expect(() => loadAgentConfig([], { ECS_EMULATOR_PROC_SYS: 'proc' })).toThrow(AgentConfigError)
  })
})

describe('the configured network and /proc/sys, where the agent uses them', () => {
  /** A Docker engine that knows the networks named, and must not be asked to make one. */
  const engine = (names: string[]) => ({
    listNetworks: async ({ filters }: { filters: { name: string[] } }) =>
      names.filter(n => filters.name.includes(n)).map(n => ({ Name: n, Id: `${n}-id` })),
    getNetwork: (id: string) => ({ inspect: async () => ({ Id: id, Options: { 'com.docker.network.bridge.name': 'br-given' } }) }),
    createNetwork: async () => { throw new Error('createNetwork was called') }
  }) as unknown as Docker

  it('joins the network named instead of making the instance\'s own', async () => {
    const network = await ensureAgentNetwork(engine(['ecs-emulator']), 'i-0123456789abcdef0', {}, 'ecs-emulator')
    expect(network).toEqual({ name: 'ecs-emulator', id: 'ecs-emulator-id', bridge: 'br-given' })
    await expect(ensureAgentNetwork(engine([]), 'i-0123456789abcdef0', {}, 'gone'))
      .rejects.toThrow('the agent network gone (--network, ECS_EMULATOR_AGENT_NETWORK) does not exist')
  })

  it('writes route_localnet under the configured /proc/sys', async ({ skip }) => {
    try {
      await promisify(execFile)('iptables', ['-w', '5', '-t', 'nat', '-S', 'PREROUTING'], { timeout: 10_000 })
    } catch {
      skip('iptables cannot be read here: the routes never get as far as the sysctl')
    }
    const bridge = `cfg${randomBytes(4).toString('hex')}` // no such interface: /proc/sys has no entry for it
    const procSys = mkdtempSync(join(tmpdir(), 'proc-sys-'))
    try {
      const conf = join(procSys, 'net', 'ipv4', 'conf', bridge)
      mkdirSync(conf, { recursive: true })
      writeFileSync(join(conf, 'route_localnet'), '0')
      const routes = new ContainerRoutes(bridge, 1, pino({ level: 'silent' }), procSys)
      await routes.start()
      expect(readFileSync(join(conf, 'route_localnet'), 'utf8')).toBe('1')
      await routes.close()
    } finally {
      rmSync(procSys, { recursive: true, force: true })
    }
  })
})
