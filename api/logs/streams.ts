/**
 * Log streams: CreateLogStream, DeleteLogStream, DescribeLogStreams.
 */
import { operation, type Operation } from '../registry.js'
import {
  logArns, logsErrors, newStream, sequenceToken, type LogStreamRecord, type Place
} from '../../src/logs/model.js'
import {
  authorizedGroup, authorizedStream, oneGroup, pageOf, placeOf, resourceTagContext
} from './context.js'

interface StreamRequest { logGroupName: string, logStreamName: string }

const CreateLogStream = operation({
  authorize: 'handler',
  handle (input: StreamRequest, ctx) {
    const place = placeOf(ctx)
    ctx.authorize({
      action: 'logs:CreateLogStream',
      resource: logArns.stream(place, input.logGroupName, input.logStreamName),
      context: resourceTagContext(ctx, input.logGroupName)
    })

    const group = ctx.emulator.logs.group(place, input.logGroupName)
    if (group === undefined) throw logsErrors.noGroup()
    if (ctx.emulator.logs.stream(place, group.logGroupName, input.logStreamName) !== undefined) {
      throw logsErrors.streamExists()
    }
    ctx.emulator.logs.saveStream(newStream(group, input.logStreamName, ctx.now))
    return {}
  }
})

const DeleteLogStream = operation({
  authorize: 'handler',
  handle (input: StreamRequest, ctx) {
    const { group, stream } =
      authorizedStream(ctx, 'logs:DeleteLogStream', input.logGroupName, input.logStreamName)

    ctx.emulator.logs.deleteStream(placeOf(ctx), group.logGroupName, stream.logStreamName)
    return {}
  }
})

interface DescribeLogStreamsRequest {
  logGroupName?: string
  logGroupIdentifier?: string
  logStreamNamePrefix?: string
  orderBy?: 'LogStreamName' | 'LastEventTime'
  descending?: boolean
  nextToken?: string
  limit?: number
}

const wireStream = (place: Place, s: LogStreamRecord) => ({
  logStreamName: s.logStreamName,
  creationTime: s.creationTime,
  firstEventTimestamp: s.firstEventTimestamp,
  lastEventTimestamp: s.lastEventTimestamp,
  lastIngestionTime: s.lastIngestionTime,
  uploadSequenceToken: sequenceToken(s.uploads),
  arn: logArns.stream(place, s.logGroupName, s.logStreamName),
  // Logs has reported 0 for a stream's storedBytes since June 2019.
  storedBytes: 0
})

function ordered (streams: LogStreamRecord[], input: DescribeLogStreamsRequest): LogStreamRecord[] {
  const byTime = input.orderBy === 'LastEventTime'
  const sorted = byTime
    ? [...streams].sort((a, b) => (a.lastEventTimestamp ?? 0) - (b.lastEventTimestamp ?? 0) ||
        (a.logStreamName < b.logStreamName ? -1 : 1))
    : streams
  return input.descending === true ? [...sorted].reverse() : sorted
}

const DescribeLogStreams = operation({
  authorize: 'handler',
  notes: 'With orderBy LastEventTime, streams without events sort as 0.',
  handle (input: DescribeLogStreamsRequest, ctx) {
    const group = authorizedGroup(ctx, 'logs:DescribeLogStreams', oneGroup(input))
    if (input.orderBy === 'LastEventTime' && input.logStreamNamePrefix !== undefined) {
      throw logsErrors.invalid('Cannot order by LastEventTime with a logStreamNamePrefix.')
    }

    const place = placeOf(ctx)
    const prefix = input.logStreamNamePrefix ?? ''
    const streams = ctx.emulator.logs.streams(place, group.logGroupName)
      .filter(s => s.logStreamName.startsWith(prefix))
    const page = pageOf(ordered(streams, input), input.limit ?? 50, input.nextToken)
    return { logStreams: page.items.map(s => wireStream(place, s)), nextToken: page.nextToken }
  }
})

export const streamOperations: Record<string, Operation> = {
  CreateLogStream, DeleteLogStream, DescribeLogStreams
}
