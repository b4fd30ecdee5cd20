import { beforeAll, describe, expect, it } from 'vitest'
import {
  CreateLogGroupCommand, CreateLogStreamCommand, FilterLogEventsCommand, GetLogEventsCommand,
  PutLogEventsCommand, PutRetentionPolicyCommand
} from '@aws-sdk/client-cloudwatch-logs'
import { useEmulator } from '../support/emulator.js'
import { failure } from '../support/fixtures.js'

const t = useEmulator()

const HOUR = 3_600_000
const DAY = 24 * HOUR
const now = Date.now()

async function stream (group: string, ...names: string[]): Promise<void> {
  await t.logs.send(new CreateLogGroupCommand({ logGroupName: group }))
  for (const n of names) await t.logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: n }))
}

const put = async (group: string, name: string, messages: string[], start = now - 60_000) =>
  await t.logs.send(new PutLogEventsCommand({
    logGroupName: group, logStreamName: name, logEvents: messages.map((message, i) => ({ timestamp: start + i, message }))
  }))

describe('PutLogEvents', () => {
  beforeAll(async () => { await stream('put', 's') })

  it('stores the events and returns a new nextSequenceToken each time, ignoring sequenceToken', async () => {
    const first = await put('put', 's', ['one'])
    expect(first.nextSequenceToken).toMatch(/^\d{56}$/)
    expect(first.rejectedLogEventsInfo).toBeUndefined()
    const second = await t.logs.send(new PutLogEventsCommand({
      logGroupName: 'put', logStreamName: 's', sequenceToken: 'stale', logEvents: [{ timestamp: now, message: 'two' }]
    }))
    expect(second.nextSequenceToken).not.toBe(first.nextSequenceToken)
  })

  it('rejects events older than 14 days and keeps the rest', async () => {
    await stream('reject', 's', 'ahead')
    const out = await t.logs.send(new PutLogEventsCommand({
      logGroupName: 'reject', logStreamName: 's', logEvents: [
        { timestamp: now - 14 * DAY - HOUR, message: 'old-1' }, { timestamp: now - 14 * DAY - HOUR + 1, message: 'old-2' },
        { timestamp: now - 14 * DAY + HOUR, message: 'kept' }
      ]
    }))
    expect(out.rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 2 })
    const { events } = await t.logs.send(new GetLogEventsCommand({ logGroupName: 'reject', logStreamName: 's' }))
    expect(events!.map(e => e.message)).toEqual(['kept'])
  })

  it('rejects events more than 2 hours ahead and keeps the rest', async () => {
    const out = await t.logs.send(new PutLogEventsCommand({
      logGroupName: 'reject', logStreamName: 'ahead', logEvents: [
        { timestamp: now + HOUR, message: 'kept' }, { timestamp: now + 3 * HOUR, message: 'new-1' }, { timestamp: now + 4 * HOUR, message: 'new-2' }
      ]
    }))
    expect(out.rejectedLogEventsInfo).toEqual({ tooNewLogEventStartIndex: 1 })
    const { events } = await t.logs.send(new GetLogEventsCommand({ logGroupName: 'reject', logStreamName: 'ahead' }))
    expect(events!.map(e => e.message)).toEqual(['kept'])
  })

  it('rejects events older than the group retention as expired', async () => {
    await stream('expired', 's')
    await t.logs.send(new PutRetentionPolicyCommand({ logGroupName: 'expired', retentionInDays: 1 }))
    const out = await t.logs.send(new PutLogEventsCommand({
      logGroupName: 'expired', logStreamName: 's', logEvents: [{ timestamp: now - DAY - 60_000, message: 'x' }, { timestamp: now - DAY + 60_000, message: 'y' }]
    }))
    expect(out.rejectedLogEventsInfo).toEqual({ expiredLogEventEndIndex: 1 })
  })

  it('fails with InvalidParameterException when events are out of order', async () => {
    const e = await failure(t.logs.send(new PutLogEventsCommand({
      logGroupName: 'put', logStreamName: 's', logEvents: [{ timestamp: now, message: 'b' }, { timestamp: now - 1, message: 'a' }]
    })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe('Log events in a single PutLogEvents request must be in chronological order.')
  })

  it('fails with InvalidParameterException when a batch spans more than 24 hours', async () => {
    const e = await failure(t.logs.send(new PutLogEventsCommand({
      logGroupName: 'put', logStreamName: 's', logEvents: [{ timestamp: now - 25 * HOUR, message: 'a' }, { timestamp: now, message: 'b' }]
    })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe('The batch of log events in a single PutLogEvents request cannot span more than 24 hours.')
  })

  it('fails with InvalidParameterException for a batch over 1 MiB', async () => {
    const big = 'x'.repeat(600_000)
    const e = await failure(t.logs.send(new PutLogEventsCommand({
      logGroupName: 'put', logStreamName: 's', logEvents: [{ timestamp: now, message: big }, { timestamp: now, message: big }]
    })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe('Upload too large: 1200052 bytes exceeds limit of 1048576')
  })

  it('fails with InvalidParameterException for an empty batch', async () => {
    const e = await failure(t.logs.send(new PutLogEventsCommand({ logGroupName: 'put', logStreamName: 's', logEvents: [] })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe("1 validation error detected: Value '[]' at 'logEvents' failed to satisfy constraint: Member must have length greater than or equal to 1")
  })

  it('fails with ResourceNotFoundException when the stream is missing', async () => {
    const e = await failure(put('put', 'never', ['x']))
    expect(e.name).toBe('ResourceNotFoundException')
    expect(e.message).toBe('The specified log stream does not exist.')
  })

  it('fails with ResourceNotFoundException when the group is missing', async () => {
    const e = await failure(put('never', 's', ['x']))
    expect(e.name).toBe('ResourceNotFoundException')
    expect(e.message).toBe('The specified log group does not exist.')
  })
})

describe('GetLogEvents', () => {
  beforeAll(async () => {
    await stream('get', 's')
    await put('get', 's', ['e0', 'e1', 'e2', 'e3', 'e4'])
  })

  it('returns the newest events by default, with f/ and b/ tokens', async () => {
    const out = await t.logs.send(new GetLogEventsCommand({ logGroupName: 'get', logStreamName: 's', limit: 2 }))
    expect(out.events!.map(e => e.message)).toEqual(['e3', 'e4'])
    expect(out.events![0]).toEqual({ timestamp: now - 60_000 + 3, message: 'e3', ingestionTime: expect.any(Number) })
    expect(out.nextForwardToken).toMatch(/^f\/\d{56}$/)
    expect(out.nextBackwardToken).toMatch(/^b\/\d{56}$/)
    const back = await t.logs.send(new GetLogEventsCommand({ logGroupName: 'get', logStreamName: 's', limit: 2, nextToken: out.nextBackwardToken }))
    expect(back.events!.map(e => e.message)).toEqual(['e1', 'e2'])
  })

  it('reads forward from the head and returns the same forward token at the end', async () => {
    const first = await t.logs.send(new GetLogEventsCommand({ logGroupName: 'get', logStreamName: 's', startFromHead: true, limit: 3 }))
    expect(first.events!.map(e => e.message)).toEqual(['e0', 'e1', 'e2'])
    const second = await t.logs.send(new GetLogEventsCommand({ logGroupName: 'get', logStreamName: 's', limit: 3, nextToken: first.nextForwardToken }))
    expect(second.events!.map(e => e.message)).toEqual(['e3', 'e4'])
    const end = await t.logs.send(new GetLogEventsCommand({ logGroupName: 'get', logStreamName: 's', limit: 3, nextToken: second.nextForwardToken }))
    expect(end.events).toEqual([])
    expect(end.nextForwardToken).toBe(second.nextForwardToken)
  })

  it('keeps startTime inclusive and endTime exclusive', async () => {
    const out = await t.logs.send(new GetLogEventsCommand({
      logGroupName: 'get', logStreamName: 's', startTime: now - 60_000 + 1, endTime: now - 60_000 + 3, startFromHead: true
    }))
    expect(out.events!.map(e => e.message)).toEqual(['e1', 'e2'])
  })

  it('fails with ResourceNotFoundException when the stream is missing', async () => {
    const e = await failure(t.logs.send(new GetLogEventsCommand({ logGroupName: 'get', logStreamName: 'never' })))
    expect(e.name).toBe('ResourceNotFoundException')
    expect(e.message).toBe('The specified log stream does not exist.')
  })

  it('fails with InvalidParameterException without a log group', async () => {
    const e = await failure(t.logs.send(new GetLogEventsCommand({ logStreamName: 's' })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe('Should provide either logGroupName or logGroupIdentifier.')
  })
})

describe('FilterLogEvents', () => {
  beforeAll(async () => {
    await stream('filter', 'web-1', 'web-2', 'worker')
    await put('filter', 'web-1', ['GET /index 200', 'GET /login 500 ERROR'])
    await put('filter', 'web-2', ['POST /api 201', 'POST /api 503 ERROR timeout'], now - 50_000)
    await put('filter', 'worker', ['job done', 'job failed with ERROR'], now - 40_000)
  })

  const filter = async (input: Partial<ConstructorParameters<typeof FilterLogEventsCommand>[0]>) =>
    (await t.logs.send(new FilterLogEventsCommand({ logGroupName: 'filter', ...input }))).events!.map(e => e.message)

  it('returns every event of the group in time order without a pattern', async () => {
    const out = await t.logs.send(new FilterLogEventsCommand({ logGroupName: 'filter' }))
    expect(out.events!.map(e => e.logStreamName)).toEqual(['web-1', 'web-1', 'web-2', 'web-2', 'worker', 'worker'])
    expect(out.events![0]).toEqual({
      logStreamName: 'web-1', timestamp: now - 60_000, message: 'GET /index 200', ingestionTime: expect.any(Number), eventId: expect.stringMatching(/^\d{56}$/)
    })
    expect(out.searchedLogStreams).toEqual([])
  })

  it('matches all plain terms, case-sensitively', async () => {
    expect(await filter({ filterPattern: 'ERROR POST' })).toEqual(['POST /api 503 ERROR timeout'])
    expect(await filter({ filterPattern: 'error' })).toEqual([])
  })

  it('matches a quoted phrase', async () => {
    expect(await filter({ filterPattern: '"failed with"' })).toEqual(['job failed with ERROR'])
  })

  it('matches any ?term alternative', async () => {
    expect(await filter({ filterPattern: '?201 ?done' })).toEqual(['POST /api 201', 'job done'])
  })

  it('limits to named streams, a stream prefix and a time range', async () => {
    expect(await filter({ logStreamNames: ['worker'] })).toEqual(['job done', 'job failed with ERROR'])
    expect(await filter({ logStreamNamePrefix: 'web-', filterPattern: 'ERROR' })).toEqual(['GET /login 500 ERROR', 'POST /api 503 ERROR timeout'])
    expect(await filter({ startTime: now - 50_000, endTime: now - 40_000 })).toEqual(['POST /api 201', 'POST /api 503 ERROR timeout', 'job done'])
  })

  it('pages with nextToken', async () => {
    const first = await t.logs.send(new FilterLogEventsCommand({ logGroupName: 'filter', limit: 4 }))
    expect(first.events).toHaveLength(4)
    const rest = await t.logs.send(new FilterLogEventsCommand({ logGroupName: 'filter', limit: 4, nextToken: first.nextToken }))
    expect(rest.events!.map(e => e.message)).toEqual(['job done', 'job failed with ERROR'])
    expect(rest.nextToken).toBeUndefined()
  })

  it('fails with InvalidParameterException for both logStreamNames and logStreamNamePrefix', async () => {
    const e = await failure(t.logs.send(new FilterLogEventsCommand({ logGroupName: 'filter', logStreamNames: ['worker'], logStreamNamePrefix: 'web' })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe('Cannot specify both logStreamNames and logStreamNamePrefix.')
  })

  it('fails with InvalidParameterException for a JSON pattern, which is not emulated', async () => {
    const e = await failure(t.logs.send(new FilterLogEventsCommand({ logGroupName: 'filter', filterPattern: '{ $.level = "error" }' })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe('Invalid filter pattern')
  })

  it('fails with ResourceNotFoundException when the group is missing', async () => {
    const e = await failure(t.logs.send(new FilterLogEventsCommand({ logGroupName: 'never' })))
    expect(e.name).toBe('ResourceNotFoundException')
    expect(e.message).toBe('The specified log group does not exist.')
  })
})
