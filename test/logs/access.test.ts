import { beforeAll, describe, expect, it } from 'vitest'
import { AttachRolePolicyCommand, CreateRoleCommand } from '@aws-sdk/client-iam'
import { AssumeRoleCommand } from '@aws-sdk/client-sts'
import {
  CreateLogGroupCommand, CreateLogStreamCommand, DescribeLogStreamsCommand, GetLogEventsCommand,
  PutLogEventsCommand, type CloudWatchLogsClient
} from '@aws-sdk/client-cloudwatch-logs'
import { useEmulator } from '../support/emulator.js'
import { ACCOUNT, allowPolicy, credentialsOf, failure, trustAccount, userWithKey } from '../support/fixtures.js'

const t = useEmulator()

const SESSION = '8f03e41243824aea923aca126495f665'
const ROLE_ARN = `arn:aws:sts::${ACCOUNT}:assumed-role/ecsTaskExecutionRole/${SESSION}`
let execution: CloudWatchLogsClient

beforeAll(async () => {
  await t.iam.send(new CreateRoleCommand({ RoleName: 'ecsTaskExecutionRole', AssumeRolePolicyDocument: trustAccount() }))
  await t.iam.send(new AttachRolePolicyCommand({
    RoleName: 'ecsTaskExecutionRole', PolicyArn: 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy'
  }))
  const deployer = await userWithKey(t.iam, 'deployer', allowPolicy('sts:AssumeRole'))
  const { Credentials } = await t.emu.clients(deployer).sts.send(new AssumeRoleCommand({
    RoleArn: `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`, RoleSessionName: SESSION
  }))
  execution = t.emu.clients(credentialsOf(Credentials!)).logs
  await t.logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/app' }))
})

describe('AmazonECSTaskExecutionRolePolicy', () => {
  it('lets the awslogs driver create its stream and put events', async () => {
    const logStreamName = `ecs/app/${SESSION}`
    await execution.send(new CreateLogStreamCommand({ logGroupName: '/ecs/app', logStreamName }))
    const out = await execution.send(new PutLogEventsCommand({
      logGroupName: '/ecs/app', logStreamName, logEvents: [{ timestamp: Date.now(), message: 'started' }]
    }))
    expect(out.nextSequenceToken).toMatch(/^\d{56}$/)
  })

  it('fails with AccessDeniedException on CreateLogGroup, naming the empty stream ARN', async () => {
    const e = await failure(execution.send(new CreateLogGroupCommand({ logGroupName: '/ecs/other' })))
    expect(e.name).toBe('AccessDeniedException')
    expect(e.message).toBe(`User: ${ROLE_ARN} is not authorized to perform: logs:CreateLogGroup on resource: arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/ecs/other:log-stream: because no identity-based policy allows the logs:CreateLogGroup action`)
  })
})

describe('Logs authorization', () => {
  it('names the stream ARN when CreateLogStream is denied', async () => {
    const creds = await userWithKey(t.iam, 'reader', allowPolicy('logs:Describe*'))
    const reader = t.emu.clients(creds).logs
    const e = await failure(reader.send(new CreateLogStreamCommand({ logGroupName: '/ecs/app', logStreamName: 'ecs/app/x' })))
    expect(e.name).toBe('AccessDeniedException')
    expect(e.message).toBe(`User: arn:aws:iam::${ACCOUNT}:user/reader is not authorized to perform: logs:CreateLogStream on resource: arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/ecs/app:log-stream:ecs/app/x because no identity-based policy allows the logs:CreateLogStream action`)
  })

  it('authorizes group actions on the group with an empty stream part', async () => {
    const creds = await userWithKey(t.iam, 'scoped', allowPolicy(['logs:DescribeLogStreams', 'logs:GetLogEvents'], `arn:aws:logs:*:*:log-group:/ecs/app:*`))
    const scoped = t.emu.clients(creds).logs
    const { logStreams } = await scoped.send(new DescribeLogStreamsCommand({ logGroupName: '/ecs/app' }))
    expect(logStreams!.map(s => s.logStreamName)).toEqual([`ecs/app/${SESSION}`])
    const { events } = await scoped.send(new GetLogEventsCommand({ logGroupName: '/ecs/app', logStreamName: `ecs/app/${SESSION}` }))
    expect(events!.map(e => e.message)).toEqual(['started'])
    const e = await failure(scoped.send(new DescribeLogStreamsCommand({ logGroupName: '/ecs/web' })))
    expect(e.message).toBe(`User: arn:aws:iam::${ACCOUNT}:user/scoped is not authorized to perform: logs:DescribeLogStreams on resource: arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/ecs/web:log-stream: because no identity-based policy allows the logs:DescribeLogStreams action`)
  })
})
