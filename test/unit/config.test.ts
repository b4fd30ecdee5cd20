import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { networkInterfaces } from 'node:os'
import { afterEach, describe, expect, it } from 'vitest'
import { ConfigError, instancesApart, loadConfig } from '../../src/config.js'
import { TargetDialer } from '../../src/elbv2/dataplane/targets.js'
import type { TargetGroup } from '../../src/elbv2/types.js'
import { ecsOptimizedAmi } from '../../src/ssm/parameter.js'
import { ec2Ok, filters, items } from '../ec2/client.js'
import { elbOk, members } from '../elbv2/client.js'
import { startEmulator, type TestEmulator } from '../support/emulator.js'

describe('the registry port', () => {
  it('is the port after --port unless set, so that every repositoryUri stays the same across restarts', () => {
    expect(loadConfig([], {}).registryPort).toBe(4567)
    expect(loadConfig(['--port', '4600'], {}).registryPort).toBe(4601)
    expect(loadConfig([], { ECS_EMULATOR_PORT: '5000' }).registryPort).toBe(5001)
  })

  it('is a free one when --port is 0', () => {
    expect(loadConfig(['--port', '0'], {}).registryPort).toBe(0)
    expect(loadConfig([], {}, { port: 0 }).registryPort).toBe(0)
  })

  it('is what --registry-port, its variable or an override says', () => {
    expect(loadConfig(['--port', '4600', '--registry-port', '5999'], {}).registryPort).toBe(5999)
    expect(loadConfig([], { ECS_EMULATOR_REGISTRY_PORT: '0' }).registryPort).toBe(0)
    expect(loadConfig([], {}, { port: 0, registryPort: 6000 }).registryPort).toBe(6000)
  })
})

describe('the instance host', () => {
  it('is 127.0.0.1 unless --instance-host or ECS_EMULATOR_INSTANCE_HOST says otherwise (the flag wins)', () => {
    expect(loadConfig([], {}).instanceHost).toBe('127.0.0.1')
    expect(loadConfig([], { ECS_EMULATOR_INSTANCE_HOST: 'host.docker.internal' }).instanceHost).toBe('host.docker.internal')
    expect(loadConfig(['--instance-host', '10.0.0.9'], { ECS_EMULATOR_INSTANCE_HOST: 'host.docker.internal' }).instanceHost)
      .toBe('10.0.0.9')
    expect(loadConfig(['--instance-host=fd00::1'], {}).instanceHost).toBe('fd00::1')
  })

  it('takes an empty ECS_EMULATOR_INSTANCE_HOST as unset', () => {
    expect(loadConfig([], { ECS_EMULATOR_INSTANCE_HOST: '' }).instanceHost).toBe('127.0.0.1')
  })

  it('refuses what is not a host name or an IP address', () => {
    for (const bad of ['http://host.docker.internal', 'host:8080', 'two words', '.', 'a..b']) {
      expect(() => loadConfig(['--instance-host', bad], {})).toThrow(new ConfigError(
        `--instance-host must be a host name or IP address (no scheme or port), not '${bad}'`))
    }
    expect(() => loadConfig([], { ECS_EMULATOR_INSTANCE_HOST: 'tcp://x' })).toThrow(ConfigError)
  })

  it('puts the instances apart from this host unless it is a loopback address', () => {
    expect(instancesApart(loadConfig([], {}))).toBe(false)
    for (const host of ['127.0.0.2', '::1', 'localhost']) expect(instancesApart({ instanceHost: host })).toBe(false)
    for (const host of ['host.docker.internal', '172.17.0.1']) expect(instancesApart({ instanceHost: host })).toBe(true)
  })
})

describe('the agents up starts', () => {
  it('include the built-in one unless --no-built-in-agent or ECS_EMULATOR_BUILT_IN_AGENT=false', () => {
    expect(loadConfig([], {}).builtInAgent).toBe(true)
    expect(loadConfig(['--no-built-in-agent'], {}).builtInAgent).toBe(false)
    expect(loadConfig([], { ECS_EMULATOR_BUILT_IN_AGENT: 'false' }).builtInAgent).toBe(false)
    expect(loadConfig([], { ECS_EMULATOR_BUILT_IN_AGENT: 'no' }).agent).toBe(true)
    expect(() => loadConfig([], { ECS_EMULATOR_BUILT_IN_AGENT: 'maybe' }))
      .toThrow(new ConfigError("ECS_EMULATOR_BUILT_IN_AGENT must be true or false, not 'maybe'"))
  })

  it('run as child processes unless --agent-image names the image to run them in, calling --agent-endpoint', () => {
    expect(loadConfig([], {}).agentImage).toBeUndefined()
    expect(loadConfig([], {}).agentEndpoint).toBeUndefined()
    const config = loadConfig(['--agent-image', 'ecs-emulator:local'], { ECS_EMULATOR_AGENT_ENDPOINT: 'http://127.0.0.1:4600' })
    expect(config).toMatchObject({ agentImage: 'ecs-emulator:local', agentEndpoint: 'http://127.0.0.1:4600' })
    expect(() => loadConfig(['--agent-endpoint', '127.0.0.1:4566'], {})).toThrow(new ConfigError(
      "--agent-endpoint must be a URL such as http://127.0.0.1:4566, not '127.0.0.1:4566'"))
  })
})

describe('the target dialer', () => {
  const group = (TargetType: 'instance' | 'ip') => ({ TargetType, Port: 80 }) as unknown as TargetGroup

  it('dials instance targets on the instance host and ip targets at their address', () => {
    const dialer = new TargetDialer('host.docker.internal')
    expect(dialer.address(group('instance'), { Id: 'i-0123456789abcdef0', Port: 32768 }))
      .toEqual({ host: 'host.docker.internal', port: 32768 })
    expect(dialer.address(group('ip'), { Id: '10.0.1.5' })).toEqual({ host: '10.0.1.5', port: 80 })
    expect(new TargetDialer().address(group('instance'), { Id: 'i-0123456789abcdef0', Port: 8080 }).host).toBe('127.0.0.1')
  })

  it('may contact the instance host, and this host\'s own networks only when the instances are apart', () => {
    const own = Object.entries(networkInterfaces())
      .filter(([name]) => !name.startsWith('docker') && !name.startsWith('br-') && name !== 'lo')
      .flatMap(([, addrs]) => addrs ?? []).find(a => a.family === 'IPv4' && !a.internal)?.address
    const apart = new TargetDialer('host.docker.internal')
    expect(apart.reachable('host.docker.internal')).toBe(true)
    expect(new TargetDialer().reachable('host.docker.internal')).toBe(false)
    if (own === undefined) return // no network but loopback and Docker's: nothing more to tell apart
    expect(apart.reachable(own)).toBe(true)
    expect(new TargetDialer().reachable(own)).toBe(false)
  })
})

describe('the instance host, in the emulator', () => {
  const servers: http.Server[] = []
  const emulators: TestEmulator[] = []

  afterEach(async () => {
    for (const s of servers.splice(0)) await new Promise(resolve => { s.closeAllConnections(); s.close(resolve) })
    for (const emu of emulators.splice(0)) {
      await emu.close()
      expect(emu.violations).toEqual([])
    }
  })

  async function start (instanceHost: string): Promise<TestEmulator> {
    const emu = await startEmulator({ instanceHost, timeScale: 0.05 })
    emulators.push(emu)
    return emu
  }

  async function runInstance (emu: TestEmulator): Promise<string> {
    const r = await ec2Ok(emu.url, 'RunInstances', { ImageId: ecsOptimizedAmi('us-east-1'), MinCount: 1, MaxCount: 1 })
    return items(r.instancesSet)[0].instanceId as string
  }

  it('is where the load balancer reaches an instance target\'s port (health checks and requests)', async () => {
    // 127.0.0.2 is loopback too, but nothing answers on 127.0.0.1 at this port: only a
    // dialer given the instance host reaches the server.
    const server = http.createServer((req, res) => res.end(`instance ${req.url}`))
    servers.push(server)
    await new Promise<void>(resolve => server.listen(0, '127.0.0.2', resolve))
    const port = (server.address() as AddressInfo).port
    const emu = await start('127.0.0.2')
    const ok = (action: string, input: object) => elbOk(emu.url, action, input)

    const instanceId = await runInstance(emu)
    const vpcId = emu.emulator.ec2.store.instanceById(instanceId)!.vpcId
    const subnets = items((await ec2Ok(emu.url, 'DescribeSubnets', filters(['vpc-id', [vpcId]]))).subnetSet)
      .map((s: any) => s.subnetId).slice(0, 2)
    const lb = members((await ok('CreateLoadBalancer', { Name: 'instance-host', Subnets: subnets })).LoadBalancers)[0]
    const tg = members((await ok('CreateTargetGroup', {
      Name: 'instance-host', Protocol: 'HTTP', Port: 80, VpcId: vpcId, TargetType: 'instance',
      HealthCheckIntervalSeconds: 5, HealthCheckTimeoutSeconds: 2, HealthyThresholdCount: 2
    })).TargetGroups)[0].TargetGroupArn as string
    await ok('RegisterTargets', { TargetGroupArn: tg, Targets: [{ Id: instanceId, Port: port }] })
    const l = members((await ok('CreateListener', {
      LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'HTTP', Port: 80,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: tg }]
    })).Listeners)[0]
    const hostPort = await emu.emulator.loadBalancers.waitFor(l.ListenerArn)

    const state = async () => members((await ok('DescribeTargetHealth', { TargetGroupArn: tg }))
      .TargetHealthDescriptions)[0]?.TargetHealth?.State as string | undefined
    const end = Date.now() + 20_000
    while (await state() !== 'healthy' && Date.now() < end) await new Promise(resolve => setTimeout(resolve, 25))
    expect(await state()).toBe('healthy')
    const res = await fetch(`http://127.0.0.1:${hostPort}/hello`)
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('instance /hello')
    // A loopback instance host is this host: the metadata services stay on 127.0.0.1.
    expect(new URL(await emu.emulator.ec2.metadata.open(instanceId)).hostname).toBe('127.0.0.1')
  })

  it('moves the instances\' metadata services onto this host\'s own address when the instances are apart', async () => {
    const own = Object.values(networkInterfaces()).flat()
      .filter(a => a !== undefined && a.family === 'IPv4' && !a.internal).map(a => a!.address)
    const emu = await start('host.docker.internal')
    const url = new URL(await emu.emulator.ec2.metadata.open(await runInstance(emu)))
    if (own.length === 0) return expect(url.hostname).toBe('127.0.0.1') // nothing but loopback here
    expect(own).toContain(url.hostname)
  })
})
