import { describe, expect, it } from 'vitest'
import { buildTaskDefinition, type RegisterTaskDefinitionRequest } from '../../src/ecs/task-definition.js'
import { roleCredentials, toAcsTask, type TaskCredentials } from '../../src/acs/translate.js'
import { isoSeconds } from '../../src/time.js'
import type { AcsContainer } from '../../src/acs/protocol.js'
import { ACCOUNT, taskRecord } from './support.js'

const scope = { account: ACCOUNT, region: 'us-east-1' }
const ID = '0123456789abcdef0123456789abcdef'
const TASK_ARN = `arn:aws:ecs:us-east-1:${ACCOUNT}:task/web/${ID}`
const CLUSTER_ARN = `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/web`

function definition (r: Partial<RegisterTaskDefinitionRequest> & Pick<RegisterTaskDefinitionRequest, 'containerDefinitions'>) {
  return buildTaskDefinition({ family: 'app', ...r },
    { scope, revision: 3, registeredBy: `arn:aws:iam::${ACCOUNT}:root`, now: new Date(1_700_000_000_000) })
}

const busybox = { name: 'c1', image: 'busybox:latest' }

/** The container, its dockerConfig strings parsed. */
function container (c: AcsContainer) {
  return { ...c, config: JSON.parse(c.dockerConfig.config), hostConfig: JSON.parse(c.dockerConfig.hostConfig) }
}

describe('the ACS task JSON', () => {
  it('carries what the real agent accepted from the probe for a plain bridge task', () => {
    const td = definition({ containerDefinitions: [{ ...busybox, memory: 128, command: ['sleep', '300'] }] })
    const task = taskRecord(td, { id: ID })
    const acs = toAcsTask(task, td)
    expect(acs).toEqual({
      arn: TASK_ARN,
      taskClusterArn: CLUSTER_ARN,
      family: 'app',
      version: '3',
      desiredStatus: 'RUNNING',
      taskDefinitionAccountId: ACCOUNT,
      launchType: 'EC2',
      networkMode: 'bridge',
      volumes: [],
      containers: [{
        name: 'c1',
        containerArn: task.containers[0].containerArn,
        image: 'busybox:latest',
        essential: true,
        cpu: 0,
        memory: 128,
        command: ['sleep', '300'],
        environment: {},
        portMappings: [],
        mountPoints: [],
        volumesFrom: [],
        overrides: '{}',
        dockerConfig: { version: '1.17', config: '{}', hostConfig: '{}' }
      }]
    })
  })

  it('sends the desired status STOPPED for a task being stopped', () => {
    const td = definition({ containerDefinitions: [busybox] })
    expect(toAcsTask(taskRecord(td, { desiredStatus: 'STOPPED' }), td).desiredStatus).toBe('STOPPED')
  })

  it('gives task-level cpu in vCPUs and memory in MiB, the overrides winning', () => {
    const td = definition({ cpu: '256', memory: '512', containerDefinitions: [busybox] })
    expect(toAcsTask(taskRecord(td), td)).toMatchObject({ cpu: 0.25, memory: 512 })
    const overridden = taskRecord(td, { overrides: { cpu: '1024', memory: '2048' } })
    expect(toAcsTask(overridden, td)).toMatchObject({ cpu: 1, memory: 2048 })
  })

  it('applies container overrides and keeps them as the overrides JSON string', () => {
    const td = definition({
      containerDefinitions: [{
        ...busybox, cpu: 128, memory: 256, memoryReservation: 64, command: ['sleep', '1'],
        environment: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }]
      }]
    })
    const override = {
      name: 'c1', command: ['echo', 'hi'], environment: [{ name: 'B', value: 'two' }, { name: 'C', value: '3' }],
      cpu: 512, memory: 1024, memoryReservation: 512
    }
    const acs = toAcsTask(taskRecord(td, { overrides: { containerOverrides: [override] } }), td)
    const c = container(acs.containers[0])
    expect(c).toMatchObject({ cpu: 512, memory: 1024, command: ['echo', 'hi'], environment: { A: '1', B: 'two', C: '3' } })
    expect(JSON.parse(c.overrides)).toEqual({
      command: ['echo', 'hi'], environment: [{ name: 'B', value: 'two' }, { name: 'C', value: '3' }],
      cpu: 512, memory: 1024, memoryReservation: 512
    })
    expect(c.hostConfig).toEqual({ MemoryReservation: 512 * 1024 * 1024 })
  })

  it('leaves a container without an override with the definition and `{}`', () => {
    const td = definition({ containerDefinitions: [busybox, { name: 'c2', image: 'busybox:latest', command: ['true'] }] })
    const acs = toAcsTask(taskRecord(td, { overrides: { containerOverrides: [{ name: 'c1', command: ['x'] }] } }), td)
    expect(acs.containers[1]).toMatchObject({ name: 'c2', command: ['true'], overrides: '{}' })
  })

  it('puts what Docker needs beyond the first-class members into dockerConfig', () => {
    const td = definition({
      containerDefinitions: [{
        ...busybox,
        memory: 256,
        dockerLabels: { team: 'web' },
        user: '1000:1000',
        workingDirectory: '/srv',
        hostname: 'box',
        interactive: true,
        pseudoTerminal: true,
        healthCheck: { command: ['CMD-SHELL', 'true'], interval: 10, startPeriod: 5 },
        logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/app', 'awslogs-region': 'us-east-1' } },
        ulimits: [{ name: 'nofile', softLimit: 1024, hardLimit: 4096 }],
        linuxParameters: {
          capabilities: { add: ['NET_ADMIN'], drop: ['MKNOD'] },
          initProcessEnabled: true,
          devices: [{ hostPath: '/dev/fuse' }, { hostPath: '/dev/xvdb', containerPath: '/dev/disk', permissions: ['read'] }],
          tmpfs: [{ containerPath: '/run', size: 64, mountOptions: ['rw', 'noexec'] }],
          sharedMemorySize: 128,
          maxSwap: 512,
          swappiness: 10
        },
        privileged: true,
        readonlyRootFilesystem: true,
        dnsServers: ['10.0.0.2'],
        dnsSearchDomains: ['corp.example'],
        extraHosts: [{ hostname: 'db', ipAddress: '10.0.0.5' }],
        dockerSecurityOptions: ['no-new-privileges'],
        systemControls: [{ namespace: 'net.core.somaxconn', value: '1024' }]
      }]
    })
    const c = container(toAcsTask(taskRecord(td), td).containers[0])
    expect(c.healthCheckType).toBe('docker')
    expect(c.config).toEqual({
      Labels: { team: 'web' },
      User: '1000:1000',
      WorkingDir: '/srv',
      Hostname: 'box',
      Healthcheck: { Test: ['CMD-SHELL', 'true'], Interval: 10e9, Timeout: 5e9, Retries: 3, StartPeriod: 5e9 },
      OpenStdin: true,
      Tty: true
    })
    expect(c.hostConfig).toEqual({
      LogConfig: { Type: 'awslogs', Config: { 'awslogs-group': '/ecs/app', 'awslogs-region': 'us-east-1' } },
      Ulimits: [{ Name: 'nofile', Soft: 1024, Hard: 4096 }],
      CapAdd: ['NET_ADMIN'],
      CapDrop: ['MKNOD'],
      Init: true,
      Devices: [
        { PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' },
        { PathOnHost: '/dev/xvdb', PathInContainer: '/dev/disk', CgroupPermissions: 'r' }
      ],
      Tmpfs: { '/run': 'rw,noexec,size=64m' },
      ShmSize: 128 * 1024 * 1024,
      MemorySwap: (256 + 512) * 1024 * 1024,
      MemorySwappiness: 10,
      Privileged: true,
      ReadonlyRootfs: true,
      Dns: ['10.0.0.2'],
      DnsSearch: ['corp.example'],
      ExtraHosts: ['db:10.0.0.5'],
      SecurityOpt: ['no-new-privileges'],
      Sysctls: { 'net.core.somaxconn': '1024' }
    })
  })

  it('passes ports, mounts, links, dependencies and timeouts through as the agent reads them', () => {
    const td = definition({
      volumes: [{ name: 'data', host: { sourcePath: '/srv/data' } }],
      containerDefinitions: [
        {
          ...busybox,
          entryPoint: ['sh', '-c'],
          portMappings: [{ containerPort: 80, hostPort: 8080, name: 'web', appProtocol: 'http' }, { containerPort: 53, protocol: 'udp' }],
          mountPoints: [{ sourceVolume: 'data', containerPath: '/data', readOnly: true }],
          volumesFrom: [{ sourceContainer: 'c2' }],
          links: ['c2:db'],
          dependsOn: [{ containerName: 'c2', condition: 'START' }],
          startTimeout: 60,
          stopTimeout: 10,
          restartPolicy: { enabled: true, ignoredExitCodes: [0], restartAttemptPeriod: 120 },
          essential: false
        },
        { name: 'c2', image: 'busybox:latest' }
      ]
    })
    const c = toAcsTask(taskRecord(td), td).containers[0]
    expect(c).toMatchObject({
      essential: false,
      entryPoint: ['sh', '-c'],
      portMappings: [{ containerPort: 80, hostPort: 8080, protocol: 'tcp' }, { containerPort: 53, protocol: 'udp' }],
      mountPoints: [{ sourceVolume: 'data', containerPath: '/data', readOnly: true }],
      volumesFrom: [{ sourceContainer: 'c2' }],
      links: ['c2:db'],
      dependsOn: [{ containerName: 'c2', condition: 'START' }],
      startTimeout: 60,
      stopTimeout: 10,
      restartPolicy: { enabled: true, ignoredExitCodes: [0], restartAttemptPeriod: 120 }
    })
  })

  describe('registryAuthentication', () => {
    const ecrImage = `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/app:1`

    it('pulls an ECR image with the execution role when the task has one', () => {
      const td = definition({ executionRoleArn: 'exec', containerDefinitions: [{ name: 'c1', image: ecrImage }] })
      const c = toAcsTask(taskRecord(td), td, {}, { ecrEndpoint: 'http://127.0.0.1:4566' }).containers[0]
      expect(c.registryAuthentication).toEqual({
        type: 'ecr',
        ecrAuthData: { registryId: ACCOUNT, region: 'eu-west-1', useExecutionRole: true, endpointOverride: 'http://127.0.0.1:4566' }
      })
      expect(c.logsAuthStrategy).toBe('ExecutionRole')
    })

    it('pulls an ECR image with the instance role when the task has no execution role', () => {
      const td = definition({ containerDefinitions: [{ name: 'c1', image: ecrImage }] })
      const c = toAcsTask(taskRecord(td), td).containers[0]
      expect(c.registryAuthentication).toEqual({ type: 'ecr', ecrAuthData: { registryId: ACCOUNT, region: 'eu-west-1', useExecutionRole: false } })
      expect(c.logsAuthStrategy).toBeUndefined()
    })

    it('has none for an image of another registry', () => {
      const td = definition({ containerDefinitions: [{ name: 'c1', image: 'docker.io/library/nginx:1' }] })
      expect(toAcsTask(taskRecord(td), td).containers[0].registryAuthentication).toBeUndefined()
    })

    it('reads private registry credentials from Secrets Manager', () => {
      const parameter = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:hub-AbCdEf`
      const td = definition({
        executionRoleArn: 'exec',
        containerDefinitions: [{ name: 'c1', image: 'registry.example/app:1', repositoryCredentials: { credentialsParameter: parameter } }]
      })
      expect(toAcsTask(taskRecord(td), td).containers[0].registryAuthentication)
        .toEqual({ type: 'asm', asmAuthData: { credentialsParameter: parameter, region: 'eu-west-1' } })
    })
  })

  it('names each secret\'s provider and region, log-driver secrets as LOG_DRIVER', () => {
    const asm = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:db-AbCdEf`
    const ssmArn = `arn:aws:ssm:us-west-2:${ACCOUNT}:parameter/app/key`
    const td = definition({
      executionRoleArn: 'exec',
      containerDefinitions: [{
        ...busybox,
        secrets: [{ name: 'DB', valueFrom: asm }, { name: 'KEY', valueFrom: ssmArn }, { name: 'TOKEN', valueFrom: '/app/token' }],
        logConfiguration: { logDriver: 'splunk', secretOptions: [{ name: 'splunk-token', valueFrom: '/splunk' }] }
      }]
    })
    expect(toAcsTask(taskRecord(td), td).containers[0].secrets).toEqual([
      { name: 'DB', valueFrom: asm, provider: 'asm', type: 'ENVIRONMENT_VARIABLE', region: 'eu-west-1' },
      { name: 'KEY', valueFrom: ssmArn, provider: 'ssm', type: 'ENVIRONMENT_VARIABLE', region: 'us-west-2' },
      { name: 'TOKEN', valueFrom: '/app/token', provider: 'ssm', type: 'ENVIRONMENT_VARIABLE', region: 'us-east-1' },
      { name: 'splunk-token', valueFrom: '/splunk', provider: 'ssm', type: 'ENVIRONMENT_VARIABLE', region: 'us-east-1', target: 'LOG_DRIVER' }
    ])
  })

  it('types each volume: host with a path, host without one, docker and efs', () => {
    const td = definition({
      volumes: [
        { name: 'logs', host: { sourcePath: '/var/log' } },
        { name: 'scratch' },
        { name: 'cache', dockerVolumeConfiguration: { driver: 'local', labels: { a: 'b' } } },
        { name: 'shared', dockerVolumeConfiguration: { scope: 'shared', autoprovision: true, driver: 'local' } },
        { name: 'files', efsVolumeConfiguration: { fileSystemId: 'fs-12345678', rootDirectory: '/' } }
      ],
      containerDefinitions: [busybox]
    })
    expect(toAcsTask(taskRecord(td), td).volumes).toEqual([
      { name: 'logs', type: 'host', host: { sourcePath: '/var/log' } },
      { name: 'scratch', type: 'host', host: {} },
      { name: 'cache', type: 'docker', dockerVolumeConfiguration: { scope: 'task', driver: 'local', labels: { a: 'b' } } },
      { name: 'shared', type: 'docker', dockerVolumeConfiguration: { scope: 'shared', autoprovision: true, driver: 'local' } },
      { name: 'files', type: 'efs', efsVolumeConfiguration: { fileSystemId: 'fs-12345678', rootDirectory: '/' } }
    ])
  })

  it('carries the task and execution credentials with an ISO 8601 expiration', () => {
    const td = definition({ taskRoleArn: 'app', executionRoleArn: 'exec', containerDefinitions: [busybox] })
    const credentials: TaskCredentials = {
      task: { credentialsId: 'id-1', roleArn: `arn:aws:iam::${ACCOUNT}:role/app`, accessKeyId: 'ASIA1', secretAccessKey: 's1', sessionToken: 't1', expiration: '2024-01-01T18:00:00Z' },
      execution: { credentialsId: 'id-2', roleArn: `arn:aws:iam::${ACCOUNT}:role/exec`, accessKeyId: 'ASIA2', secretAccessKey: 's2', sessionToken: 't2', expiration: '2024-01-01T18:00:00Z' }
    }
    const acs = toAcsTask(taskRecord(td), td, credentials)
    expect(acs.roleCredentials).toEqual(credentials.task)
    expect(acs.executionRoleCredentials).toEqual(credentials.execution)
  })

  it('reads a role session\'s secret from the STS sessions, and has none for a pruned one', () => {
    const role = { roleArn: `arn:aws:iam::${ACCOUNT}:role/app`, credentialsId: 'id-1', accessKeyId: 'ASIA1', expiration: 1_704_132_000.5 }
    const sessions = { get: (k: string) => k === 'ASIA1' ? { secretAccessKey: 's1', sessionToken: 't1' } : undefined }
    expect(roleCredentials(role, sessions)).toEqual({
      credentialsId: 'id-1', roleArn: role.roleArn, accessKeyId: 'ASIA1', secretAccessKey: 's1', sessionToken: 't1',
      expiration: '2024-01-01T18:00:00Z'
    })
    expect(roleCredentials({ ...role, accessKeyId: 'ASIA9' }, sessions)).toBeUndefined()
    expect(isoSeconds(new Date(999))).toBe('1970-01-01T00:00:00Z')
  })

  it('describes an awsvpc task\'s ENI from its attachment', () => {
    const td = definition({ networkMode: 'awsvpc', containerDefinitions: [busybox] })
    const task = taskRecord(td, {
      attachments: [{
        id: 'a1b2c3d4-0000-4000-8000-000000000000',
        type: 'ElasticNetworkInterface',
        status: 'PRECREATED',
        details: [
          { name: 'subnetId', value: 'subnet-1' }, { name: 'networkInterfaceId', value: 'eni-0abc' },
          { name: 'macAddress', value: '02:42:ac:11:00:02' }, { name: 'privateIPv4Address', value: '172.17.0.2' }
        ]
      }]
    })
    expect(toAcsTask(task, td)).toMatchObject({
      networkMode: 'awsvpc',
      elasticNetworkInterfaces: [{
        attachmentArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:attachment/a1b2c3d4-0000-4000-8000-000000000000`,
        ec2Id: 'eni-0abc',
        macAddress: '02:42:ac:11:00:02',
        ipv4Addresses: [{ primary: true, privateAddress: '172.17.0.2' }]
      }]
    })
  })

  it('names the service of a service\'s task, and the launch type and modes of the task', () => {
    const td = definition({ pidMode: 'task', ipcMode: 'none', containerDefinitions: [busybox] })
    const acs = toAcsTask(taskRecord(td, { group: 'service:web', launchType: 'FARGATE' }), td)
    expect(acs).toMatchObject({ serviceName: 'web', launchType: 'FARGATE', pidMode: 'task', ipcMode: 'none' })
    expect(toAcsTask(taskRecord(td), td).serviceName).toBeUndefined()
  })
})
