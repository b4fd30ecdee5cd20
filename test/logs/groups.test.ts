import { describe, expect, it } from 'vitest'
import {
  CreateLogGroupCommand, CreateLogStreamCommand, DeleteLogGroupCommand, DeleteLogStreamCommand,
  DeleteRetentionPolicyCommand, DescribeLogGroupsCommand, DescribeLogStreamsCommand,
  PutLogEventsCommand, PutRetentionPolicyCommand
} from '@aws-sdk/client-cloudwatch-logs'
import { useEmulator } from '../support/emulator.js'
import { ACCOUNT, failure } from '../support/fixtures.js'

const t = useEmulator()

const groupArn = (name: string, region = 'us-east-1') => `arn:aws:logs:${region}:${ACCOUNT}:log-group:${name}`

async function describeOne (name: string) {
  const { logGroups } = await t.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }))
  return logGroups!.find(g => g.logGroupName === name)
}

describe('CreateLogGroup', () => {
  it('creates a group DescribeLogGroups shows with ARNs and a creation time in milliseconds', async () => {
    const before = Date.now()
    await t.logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/web' }))
    const group = await describeOne('/ecs/web')
    expect(group).toEqual({
      logGroupName: '/ecs/web',
      creationTime: expect.any(Number),
      metricFilterCount: 0,
      arn: `${groupArn('/ecs/web')}:*`,
      storedBytes: 0,
      logGroupClass: 'STANDARD',
      logGroupArn: groupArn('/ecs/web')
    })
    expect(group!.creationTime).toBeGreaterThanOrEqual(before - 1000)
    expect(group!.creationTime).toBeLessThan(Date.now() + 1000)
  })

  it('keeps kmsKeyId and tags', async () => {
    const kmsKeyId = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`
    await t.logs.send(new CreateLogGroupCommand({ logGroupName: 'kms-group', kmsKeyId, tags: { team: 'web' } }))
    expect(await describeOne('kms-group')).toMatchObject({ kmsKeyId })
  })

  it('fails with ResourceAlreadyExistsException when the group exists', async () => {
    await t.logs.send(new CreateLogGroupCommand({ logGroupName: 'twice' }))
    const e = await failure(t.logs.send(new CreateLogGroupCommand({ logGroupName: 'twice' })))
    expect(e.name).toBe('ResourceAlreadyExistsException')
    expect(e.message).toBe('The specified log group already exists')
  })

  it('fails with InvalidParameterException for a name with a space', async () => {
    const e = await failure(t.logs.send(new CreateLogGroupCommand({ logGroupName: 'my group' })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe("1 validation error detected: Value 'my group' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+")
  })

  it('keeps groups apart by region', async () => {
    const west = t.emu.clients(undefined, 'us-west-2').logs
    await west.send(new CreateLogGroupCommand({ logGroupName: 'regional' }))
    const { logGroups } = await west.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'regional' }))
    expect(logGroups!.map(g => g.logGroupArn)).toEqual([groupArn('regional', 'us-west-2')])
    expect(await describeOne('regional')).toBeUndefined()
  })
})

describe('DescribeLogGroups', () => {
  it('lists by prefix or pattern, sorted by name, a page at a time', async () => {
    for (const n of ['page-c', 'page-a', 'page-b']) await t.logs.send(new CreateLogGroupCommand({ logGroupName: n }))
    const first = await t.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'page-', limit: 2 }))
    expect(first.logGroups!.map(g => g.logGroupName)).toEqual(['page-a', 'page-b'])
    const rest = await t.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'page-', limit: 2, nextToken: first.nextToken }))
    expect(rest.logGroups!.map(g => g.logGroupName)).toEqual(['page-c'])
    expect(rest.nextToken).toBeUndefined()
    const pattern = await t.logs.send(new DescribeLogGroupsCommand({ logGroupNamePattern: 'GE-B' }))
    expect(pattern.logGroups!.map(g => g.logGroupName)).toEqual(['page-b'])
  })

  it('fails with InvalidParameterException when both prefix and pattern are given', async () => {
    const e = await failure(t.logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: 'a', logGroupNamePattern: 'b' })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe('LogGroupNamePrefix and LogGroupNamePattern are mutually exclusive parameters.')
  })

  it('fails with InvalidParameterException for a limit above 50', async () => {
    const e = await failure(t.logs.send(new DescribeLogGroupsCommand({ limit: 51 })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe("1 validation error detected: Value '51' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50")
  })

  it('counts the bytes a group stores', async () => {
    await t.logs.send(new CreateLogGroupCommand({ logGroupName: 'bytes' }))
    await t.logs.send(new CreateLogStreamCommand({ logGroupName: 'bytes', logStreamName: 's' }))
    await t.logs.send(new PutLogEventsCommand({ logGroupName: 'bytes', logStreamName: 's', logEvents: [{ timestamp: Date.now(), message: 'héllo' }] }))
    expect(await describeOne('bytes')).toMatchObject({ storedBytes: 6 })
  })
})

describe('DeleteLogGroup', () => {
  it('deletes the group with its streams', async () => {
    await t.logs.send(new CreateLogGroupCommand({ logGroupName: 'doomed' }))
    await t.logs.send(new CreateLogStreamCommand({ logGroupName: 'doomed', logStreamName: 's' }))
    await t.logs.send(new DeleteLogGroupCommand({ logGroupName: 'doomed' }))
    expect(await describeOne('doomed')).toBeUndefined()
    await t.logs.send(new CreateLogGroupCommand({ logGroupName: 'doomed' }))
    const { logStreams } = await t.logs.send(new DescribeLogStreamsCommand({ logGroupName: 'doomed' }))
    expect(logStreams).toEqual([])
  })

  it('fails with ResourceNotFoundException when the group is missing', async () => {
    const e = await failure(t.logs.send(new DeleteLogGroupCommand({ logGroupName: 'never' })))
    expect(e.name).toBe('ResourceNotFoundException')
    expect(e.message).toBe('The specified log group does not exist.')
  })
})

describe('PutRetentionPolicy', () => {
  it('sets retentionInDays, which DeleteRetentionPolicy removes', async () => {
    await t.logs.send(new CreateLogGroupCommand({ logGroupName: 'kept' }))
    await t.logs.send(new PutRetentionPolicyCommand({ logGroupName: 'kept', retentionInDays: 14 }))
    expect(await describeOne('kept')).toMatchObject({ retentionInDays: 14 })
    await t.logs.send(new DeleteRetentionPolicyCommand({ logGroupName: 'kept' }))
    expect((await describeOne('kept'))!.retentionInDays).toBeUndefined()
  })

  it('fails with InvalidParameterException for a value Logs does not offer', async () => {
    await t.logs.send(new CreateLogGroupCommand({ logGroupName: 'odd-retention' }))
    const e = await failure(t.logs.send(new PutRetentionPolicyCommand({ logGroupName: 'odd-retention', retentionInDays: 10 })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe("1 validation error detected: Value '10' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]")
  })

  it('fails with ResourceNotFoundException when the group is missing', async () => {
    const e = await failure(t.logs.send(new PutRetentionPolicyCommand({ logGroupName: 'never', retentionInDays: 7 })))
    expect(e.name).toBe('ResourceNotFoundException')
    expect(e.message).toBe('The specified log group does not exist.')
  })
})

describe('DeleteRetentionPolicy', () => {
  it('fails with ResourceNotFoundException when the group is missing', async () => {
    const e = await failure(t.logs.send(new DeleteRetentionPolicyCommand({ logGroupName: 'never' })))
    expect(e.name).toBe('ResourceNotFoundException')
    expect(e.message).toBe('The specified log group does not exist.')
  })
})

describe('CreateLogStream', () => {
  it('creates a stream DescribeLogStreams shows', async () => {
    await t.logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/app' }))
    await t.logs.send(new CreateLogStreamCommand({ logGroupName: '/ecs/app', logStreamName: 'ecs/app/abc' }))
    const { logStreams } = await t.logs.send(new DescribeLogStreamsCommand({ logGroupName: '/ecs/app' }))
    expect(logStreams).toEqual([{
      logStreamName: 'ecs/app/abc',
      creationTime: expect.any(Number),
      uploadSequenceToken: expect.stringMatching(/^\d{56}$/),
      arn: `${groupArn('/ecs/app')}:log-stream:ecs/app/abc`,
      storedBytes: 0
    }])
  })

  it('fails with ResourceAlreadyExistsException when the stream exists', async () => {
    const e = await failure(t.logs.send(new CreateLogStreamCommand({ logGroupName: '/ecs/app', logStreamName: 'ecs/app/abc' })))
    expect(e.name).toBe('ResourceAlreadyExistsException')
    expect(e.message).toBe('The specified log stream already exists')
  })

  it('fails with ResourceNotFoundException when the group is missing', async () => {
    const e = await failure(t.logs.send(new CreateLogStreamCommand({ logGroupName: 'never', logStreamName: 's' })))
    expect(e.name).toBe('ResourceNotFoundException')
    expect(e.message).toBe('The specified log group does not exist.')
  })

  it('fails with InvalidParameterException for a name with a colon', async () => {
    const e = await failure(t.logs.send(new CreateLogStreamCommand({ logGroupName: '/ecs/app', logStreamName: 'a:b' })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe("1 validation error detected: Value 'a:b' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*")
  })
})

describe('DeleteLogStream', () => {
  it('deletes the stream', async () => {
    await t.logs.send(new CreateLogStreamCommand({ logGroupName: '/ecs/app', logStreamName: 'gone' }))
    await t.logs.send(new DeleteLogStreamCommand({ logGroupName: '/ecs/app', logStreamName: 'gone' }))
    const { logStreams } = await t.logs.send(new DescribeLogStreamsCommand({ logGroupName: '/ecs/app', logStreamNamePrefix: 'gone' }))
    expect(logStreams).toEqual([])
  })

  it('fails with ResourceNotFoundException when the stream is missing', async () => {
    const e = await failure(t.logs.send(new DeleteLogStreamCommand({ logGroupName: '/ecs/app', logStreamName: 'never' })))
    expect(e.name).toBe('ResourceNotFoundException')
    expect(e.message).toBe('The specified log stream does not exist.')
  })
})

describe('DescribeLogStreams', () => {
  it('orders by name or by last event time, descending, a page at a time', async () => {
    await t.logs.send(new CreateLogGroupCommand({ logGroupName: 'ordered' }))
    const now = Date.now()
    for (const [name, offset] of [['b', 3000], ['a', 1000], ['c', 2000]] as const) {
      await t.logs.send(new CreateLogStreamCommand({ logGroupName: 'ordered', logStreamName: name }))
      await t.logs.send(new PutLogEventsCommand({ logGroupName: 'ordered', logStreamName: name, logEvents: [{ timestamp: now - offset, message: name }] }))
    }
    const byName = await t.logs.send(new DescribeLogStreamsCommand({ logGroupName: 'ordered', limit: 2 }))
    expect(byName.logStreams!.map(s => s.logStreamName)).toEqual(['a', 'b'])
    const next = await t.logs.send(new DescribeLogStreamsCommand({ logGroupName: 'ordered', limit: 2, nextToken: byName.nextToken }))
    expect(next.logStreams!.map(s => s.logStreamName)).toEqual(['c'])
    const byTime = await t.logs.send(new DescribeLogStreamsCommand({ logGroupName: 'ordered', orderBy: 'LastEventTime', descending: true }))
    expect(byTime.logStreams!.map(s => s.logStreamName)).toEqual(['a', 'c', 'b'])
    expect(byTime.logStreams![0]).toMatchObject({ firstEventTimestamp: now - 1000, lastEventTimestamp: now - 1000, lastIngestionTime: expect.any(Number) })
  })

  it('takes the group as an ARN in logGroupIdentifier', async () => {
    const { logStreams } = await t.logs.send(new DescribeLogStreamsCommand({ logGroupIdentifier: groupArn('ordered'), logStreamNamePrefix: 'a' }))
    expect(logStreams!.map(s => s.logStreamName)).toEqual(['a'])
  })

  it('fails with InvalidParameterException for LastEventTime with a prefix', async () => {
    const e = await failure(t.logs.send(new DescribeLogStreamsCommand({ logGroupName: 'ordered', orderBy: 'LastEventTime', logStreamNamePrefix: 'a' })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe('Cannot order by LastEventTime with a logStreamNamePrefix.')
  })

  it('fails with ResourceNotFoundException when the group is missing', async () => {
    const e = await failure(t.logs.send(new DescribeLogStreamsCommand({ logGroupName: 'never' })))
    expect(e.name).toBe('ResourceNotFoundException')
    expect(e.message).toBe('The specified log group does not exist.')
  })
})
