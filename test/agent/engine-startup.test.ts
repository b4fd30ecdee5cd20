/**
 * The engine's start-up steps as the execution role against the in-process control plane:
 * awslogs (stream creation and shipping), secrets, private registry credentials, ECR images, and
 * the failure texts AWS shows when the role may not do them.
 */
import { CreateLogGroupCommand, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs'
import { CreateRepositoryCommand } from '@aws-sdk/client-ecr'
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager'
import { PutParameterCommand } from '@aws-sdk/client-ssm'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AcsTask } from '../../agent/acs-task.js'
import { parseSecretReference } from '../../agent/startup/secrets.js'
import { DOCKER_SKIP, IMAGES, dockerode, ensureImages, hasDocker } from '../support/docker.js'
import { ACCOUNT } from '../support/fixtures.js'
import {
  acsTask, container, containersOf, makeRole, outputOf, reported, sessionOf, startHarness, taskIdOf,
  type Harness
} from './engine-harness.js'

const ECR_IMAGE = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/engine-startup:latest`
const REQUEST_ID = '[0-9a-f-]{36}'

/** The task with its execution role's session (session name: the task id). */
function withExecutionRole (h: Harness, task: AcsTask, roleArn: string): AcsTask {
  return { ...task, executionRoleCredentials: sessionOf(h.emu, roleArn, taskIdOf(task), 'TaskExecution') }
}

const awslogs = (group: string, more: Record<string, string> = {}) => ({
  LogConfig: {
    Type: 'awslogs',
    Config: { 'awslogs-group': group, 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'ecs', ...more }
  }
})

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

describe('parseSecretReference', () => {
  const arn = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:db-AbCdEf'

  it('reads a full ARN as the secret id', () => {
    expect(parseSecretReference(arn)).toEqual({ SecretId: arn })
  })

  it('reads the JSON key, version stage and version id after the ARN', () => {
    expect(parseSecretReference(`${arn}:password:AWSPREVIOUS:`)).toEqual({
      SecretId: arn, jsonKey: 'password', VersionStage: 'AWSPREVIOUS', VersionId: undefined
    })
    expect(parseSecretReference(`${arn}:::0123`)).toEqual({
      SecretId: arn, jsonKey: undefined, VersionStage: undefined, VersionId: '0123'
    })
  })

  it('passes a partial ARN or a name on as the secret id', () => {
    const partial = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:db'
    expect(parseSecretReference(partial)).toEqual({ SecretId: partial })
    expect(parseSecretReference('db')).toEqual({ SecretId: 'db' })
  })

  it('refuses an ARN with a missing member', () => {
    expect(parseSecretReference(`${arn}:password`)).toBeUndefined()
  })
})

describe.skipIf(!hasDocker)(`task engine start-up steps ${DOCKER_SKIP}`, () => {
  let h: Harness
  let full: string
  let noLogs: string
  let noEcrToken: string
  let noSecrets: string

  beforeAll(async () => {
    await ensureImages()
    await dockerode().getImage(IMAGES.busybox).tag({ repo: ECR_IMAGE.split(':')[0], tag: 'latest' })
    h = await startHarness('engine-startup')
    const c = h.emu.clients()
    full = await makeRole(h.emu, 'ExecFull', [{
      Effect: 'Allow',
      Action: ['ecr:GetAuthorizationToken', 'ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability',
        'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:CreateLogGroup', 'secretsmanager:GetSecretValue', 'ssm:GetParameters'],
      Resource: '*'
    }])
    noLogs = await makeRole(h.emu, 'ExecNoLogs', [{ Effect: 'Allow', Action: ['logs:PutLogEvents'], Resource: '*' }])
    noEcrToken = await makeRole(h.emu, 'ExecNoEcrToken', [{ Effect: 'Allow', Action: ['ecr:BatchGetImage'], Resource: '*' }])
    noSecrets = await makeRole(h.emu, 'ExecNoSecrets', [{ Effect: 'Allow', Action: ['logs:*'], Resource: '*' }])
    await c.logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/engine' }))
    await c.ecr.send(new CreateRepositoryCommand({ repositoryName: 'engine-startup' }))
  }, 60_000)

  afterAll(async () => {
    await h?.close()
    await dockerode().getImage(ECR_IMAGE).remove().catch(() => {})
  }, 60_000)

  it('ships the container output to its awslogs stream before reporting STOPPED', async () => {
    const task = withExecutionRole(h, acsTask({
      containers: [container('app', {
        command: ['sh', '-c', 'echo line-one; echo line-two >&2; echo line-three'],
        logsAuthStrategy: 'ExecutionRole',
        hostConfig: awslogs('/ecs/engine')
      })]
    }), full)
    h.engine.apply(task)

    const stopped = await reported(h, task, 'STOPPED')
    expect(stopped.containers[0]).toMatchObject({ status: 'STOPPED', exitCode: 0 })
    expect(stopped.reason).toBe('Essential container in task exited')
    // It ran, however briefly: RUNNING came first (the control plane's stop code depends on it).
    const statuses = h.reports.filter(r => r.taskArn === task.arn).map(r => r.status)
    expect(statuses.indexOf('RUNNING')).toBeGreaterThan(-1)
    expect(statuses.indexOf('RUNNING')).toBeLessThan(statuses.indexOf('STOPPED'))
    const events = await h.emu.clients().logs.send(new GetLogEventsCommand({
      logGroupName: '/ecs/engine', logStreamName: `ecs/app/${taskIdOf(task)}`, startFromHead: true
    }))
    expect(events.events!.map(e => e.message).sort()).toEqual(['line-one', 'line-three', 'line-two'])
  })

  it('creates the log group with awslogs-create-group', async () => {
    const task = withExecutionRole(h, acsTask({
      containers: [container('app', { command: ['echo', 'made-group'], hostConfig: awslogs('/ecs/created', { 'awslogs-create-group': 'true' }) })]
    }), full)
    h.engine.apply(task)

    await reported(h, task, 'STOPPED')
    const events = await h.emu.clients().logs.send(new GetLogEventsCommand({
      logGroupName: '/ecs/created', logStreamName: `ecs/app/${taskIdOf(task)}`
    }))
    expect(events.events!.map(e => e.message)).toEqual(['made-group'])
  })

  it('stops the task with the log driver\'s text when the role may not create the stream', async () => {
    const task = withExecutionRole(h, acsTask({
      containers: [container('app', { command: ['echo', 'never'], hostConfig: awslogs('/ecs/engine') })]
    }), noLogs)
    h.engine.apply(task)

    const stopped = await reported(h, task, 'STOPPED')
    const id = taskIdOf(task)
    const text = new RegExp('^' + escape(`CannotStartContainerError: Error response from daemon: failed to initialize logging driver: failed to create Cloudwatch log stream: AccessDeniedException: User: arn:aws:sts::${ACCOUNT}:assumed-role/ExecNoLogs/${id} is not authorized to perform: logs:CreateLogStream on resource: arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/ecs/engine:log-stream:ecs/app/${id} because no identity-based policy allows the logs:CreateLogStream action\n\tstatus code: 400, request id: `) + REQUEST_ID + '$')
    expect(stopped.reason).toMatch(text)
    expect(stopped.containers[0].reason).toBe(stopped.reason)
    expect(stopped.containers[0].exitCode).toBeUndefined()
  })

  it('words the same refusal as Fargate does for a Fargate task', async () => {
    const task = withExecutionRole(h, acsTask({
      launchType: 'FARGATE',
      networkMode: 'awsvpc',
      containers: [container('app', { command: ['echo', 'never'], hostConfig: awslogs('/ecs/engine') })]
    }), noLogs)
    h.engine.apply(task)

    const stopped = await reported(h, task, 'STOPPED')
    const id = taskIdOf(task)
    expect(stopped.reason).toMatch(new RegExp('^' + escape('ResourceInitializationError: failed to validate logger args: create stream has been retried 1 times: failed to create Cloudwatch log stream: operation error CloudWatch Logs: CreateLogStream, https response error StatusCode: 400, RequestID: ') +
      REQUEST_ID + escape(`, api error AccessDeniedException: User: arn:aws:sts::${ACCOUNT}:assumed-role/ExecNoLogs/${id} is not authorized to perform: logs:CreateLogStream on resource: arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/ecs/engine:log-stream:ecs/app/${id} because no identity-based policy allows the logs:CreateLogStream action : exit status 1`) + '$'))
  })

  it('fails an awslogs region that is not a region, such as a literal ${AWS_REGION}', async () => {
    const task = withExecutionRole(h, acsTask({
      containers: [container('app', { command: ['echo', 'never'], hostConfig: awslogs('/ecs/engine', { 'awslogs-region': '${AWS_REGION}' }) })]
    }), full)
    h.engine.apply(task)

    const stopped = await reported(h, task, 'STOPPED')
    expect(stopped.reason).toBe("CannotStartContainerError: Error response from daemon: failed to initialize logging driver: failed to create Cloudwatch log stream: MissingEndpoint: 'Endpoint' configuration is required for this service")
  })

  it('puts Secrets Manager and Parameter Store secrets in the environment', async () => {
    const c = h.emu.clients()
    const { ARN } = await c.secretsmanager.send(new CreateSecretCommand({ Name: 'engine/db', SecretString: '{"password":"s3cret","port":5432}' }))
    await c.ssm.send(new PutParameterCommand({ Name: '/engine/param', Value: 'from-ssm', Type: 'SecureString' }))
    const task = withExecutionRole(h, acsTask({
      containers: [container('app', {
        command: ['sh', '-c', 'echo "$PASSWORD $PORT $WHOLE $PARAM"'],
        secrets: [
          { name: 'PASSWORD', valueFrom: `${ARN!}:password::`, provider: 'asm', type: 'ENVIRONMENT_VARIABLE' },
          { name: 'PORT', valueFrom: `${ARN!}:port:AWSCURRENT:`, provider: 'asm', type: 'ENVIRONMENT_VARIABLE' },
          { name: 'WHOLE', valueFrom: 'engine/db', provider: 'asm', type: 'ENVIRONMENT_VARIABLE' },
          { name: 'PARAM', valueFrom: `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/engine/param`, provider: 'ssm', type: 'ENVIRONMENT_VARIABLE' }
        ]
      })]
    }), full)
    h.engine.apply(task)

    const stopped = await reported(h, task, 'STOPPED')
    expect(stopped.containers[0].exitCode).toBe(0)
    expect(await outputOf(stopped.containers[0].runtimeId!)).toBe('s3cret 5432 {"password":"s3cret","port":5432} from-ssm\n')
  })

  it('stops the task with the agent\'s text when the role may not read a parameter', async () => {
    await h.emu.clients().ssm.send(new PutParameterCommand({ Name: '/engine/denied', Value: 'x', Type: 'String' }))
    const task = withExecutionRole(h, acsTask({
      containers: [container('app', { secrets: [{ name: 'P', valueFrom: '/engine/denied', provider: 'ssm', type: 'ENVIRONMENT_VARIABLE' }] })]
    }), noSecrets)
    h.engine.apply(task)

    const stopped = await reported(h, task, 'STOPPED')
    expect(stopped.reason).toMatch(new RegExp('^' + escape('fetching secret data from SSM Parameter Store in us-east-1: operation error SSM: GetParameters, https response error StatusCode: 400, RequestID: ') +
      REQUEST_ID + escape(`, api error AccessDeniedException: User: arn:aws:sts::${ACCOUNT}:assumed-role/ExecNoSecrets/${taskIdOf(task)} is not authorized to perform: ssm:GetParameters on resource: arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/engine/denied because no identity-based policy allows the ssm:GetParameters action`) + '$'))
    expect(await containersOf(task)).toEqual([])
  })

  it('stops the task when the execution role may not use the customer managed key of a secret', async () => {
    const key = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`
    const { ARN } = await h.emu.clients().secretsmanager.send(new CreateSecretCommand({ Name: 'engine/cmk', SecretString: 'x', KmsKeyId: key }))
    const task = withExecutionRole(h, acsTask({
      containers: [container('app', { secrets: [{ name: 'S', valueFrom: ARN!, provider: 'asm', type: 'ENVIRONMENT_VARIABLE' }] })]
    }), full)
    h.engine.apply(task)

    const stopped = await reported(h, task, 'STOPPED')
    expect(stopped.reason).toMatch(new RegExp('^' + escape(`secret ${ARN!}: operation error Secrets Manager: GetSecretValue, https response error StatusCode: 400, RequestID: `) +
      REQUEST_ID + escape(', api error AccessDeniedException: Access to KMS is not allowed: ')))
    expect(await containersOf(task)).toEqual([])
  })

  it('reads private registry credentials as the execution role before the image, and runs the local image', async () => {
    const { ARN } = await h.emu.clients().secretsmanager.send(new CreateSecretCommand({ Name: 'engine/registry', SecretString: '{"username":"deploy","password":"hunter2"}' }))
    const registryAuthentication = { type: 'asm' as const, asmAuthData: { credentialsParameter: ARN!, region: 'us-east-1' } }
    const task = withExecutionRole(h, acsTask({ containers: [container('app', { command: ['echo', 'private'], registryAuthentication })] }), full)
    h.engine.apply(task)

    const stopped = await reported(h, task, 'STOPPED')
    expect(stopped.containers[0]).toMatchObject({ status: 'STOPPED', exitCode: 0 })
    const read = h.emu.emulator.decisions.query({ principal: `arn:aws:sts::${ACCOUNT}:assumed-role/ExecFull/${taskIdOf(task)}` })
    expect(read).toContainEqual(expect.objectContaining({ action: 'secretsmanager:GetSecretValue', resource: ARN, decision: 'Allow' }))
  })

  it('stops the task with the agent\'s text when the role may not read the registry credentials, or they lack a field', async () => {
    const c = h.emu.clients()
    const { ARN: denied } = await c.secretsmanager.send(new CreateSecretCommand({ Name: 'engine/registry-denied', SecretString: '{"username":"u","password":"p"}' }))
    const { ARN: partial } = await c.secretsmanager.send(new CreateSecretCommand({ Name: 'engine/registry-partial', SecretString: '{"Username":"u"}' }))
    const { ARN: notJson } = await c.secretsmanager.send(new CreateSecretCommand({ Name: 'engine/registry-text', SecretString: 'u:p' }))
    const privateImage = (arn: string) => container('app', { registryAuthentication: { type: 'asm', asmAuthData: { credentialsParameter: arn, region: 'us-east-1' } } })
    const refused = withExecutionRole(h, acsTask({ containers: [privateImage(denied!)] }), noSecrets)
    const malformed = withExecutionRole(h, acsTask({ containers: [privateImage(partial!)] }), full)
    const unreadable = withExecutionRole(h, acsTask({ containers: [privateImage(notJson!)] }), full)
    for (const task of [refused, malformed, unreadable]) h.engine.apply(task)

    const stopped = await reported(h, refused, 'STOPPED')
    expect(stopped.reason).toMatch(new RegExp('^' + escape(`asm fetching secret from the service for ${denied!}: operation error Secrets Manager: GetSecretValue, https response error StatusCode: 400, RequestID: `) +
      REQUEST_ID + escape(`, api error AccessDeniedException: User: arn:aws:sts::${ACCOUNT}:assumed-role/ExecNoSecrets/${taskIdOf(refused)} is not authorized to perform: secretsmanager:GetSecretValue on resource: ${denied!} because no identity-based policy allows the secretsmanager:GetSecretValue action`) + '$'))
    expect(stopped.containers[0]).toMatchObject({ status: 'STOPPED', reason: stopped.reason })
    expect((await reported(h, malformed, 'STOPPED')).reason).toBe('asm fetching password: AuthorizationData is malformed, empty field')
    expect((await reported(h, unreadable, 'STOPPED')).reason).toBe('asm fetching authorization data: unable to unmarshal secret value, invalid schema')
    for (const task of [refused, malformed, unreadable]) expect(await containersOf(task)).toEqual([])
  })

  it('runs an ECR image the execution role may pull', async () => {
    const task = withExecutionRole(h, acsTask({ containers: [container('app', { image: ECR_IMAGE, command: ['echo', 'from-ecr'] })] }), full)
    h.engine.apply(task)

    const stopped = await reported(h, task, 'STOPPED')
    expect(stopped.containers[0]).toMatchObject({ status: 'STOPPED', exitCode: 0 })
    expect(stopped.containers[0].imageDigest).toMatch(/^sha256:[0-9a-f]{64}$/)
    const decisions = h.emu.emulator.decisions.query({ principal: `arn:aws:sts::${ACCOUNT}:assumed-role/ExecFull/${taskIdOf(task)}` })
    expect(decisions.map(d => d.action)).toEqual(expect.arrayContaining(['ecr:GetAuthorizationToken', 'ecr:BatchGetImage']))
  })

  it('stops the task with CannotPullECRContainerError when the role may not get an ECR token', async () => {
    const task = withExecutionRole(h, acsTask({ containers: [container('app', { image: ECR_IMAGE })] }), noEcrToken)
    h.engine.apply(task)

    const stopped = await reported(h, task, 'STOPPED')
    expect(stopped.reason).toMatch(new RegExp('^' + escape('CannotPullECRContainerError: operation error ECR: GetAuthorizationToken, https response error StatusCode: 400, RequestID: ') +
      REQUEST_ID + escape(`, api error AccessDeniedException: User: arn:aws:sts::${ACCOUNT}:assumed-role/ExecNoEcrToken/${taskIdOf(task)} is not authorized to perform: ecr:GetAuthorizationToken on resource: * because no identity-based policy allows the ecr:GetAuthorizationToken action`) + '$'))
    expect(stopped.containers[0]).toMatchObject({ status: 'STOPPED', reason: stopped.reason })
    expect(h.reports.filter(r => r.taskArn === task.arn).map(r => r.status)).not.toContain('RUNNING')
  })

  it('stops the task with CannotPullContainerError for an image that is nowhere', async () => {
    const task = acsTask({ containers: [container('app', { image: 'ecs-emulator/does-not-exist:1.0' })] })
    h.engine.apply(task)

    const stopped = await reported(h, task, 'STOPPED')
    expect(stopped.reason).toBe("CannotPullContainerError: The task can’t pull the image. Check whether the image exists. Error response from daemon: pull access denied for ecs-emulator/does-not-exist, repository does not exist or may require 'docker login': denied: requested access to the resource is denied")
  })
})
