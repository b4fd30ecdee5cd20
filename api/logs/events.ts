/**
 * Log events: PutLogEvents, GetLogEvents, FilterLogEvents.
 */
import { operation, type Operation } from '../registry.js'
import {
  afterUpload, checkBatch, compileFilter, eventId, getPage, inTimeRange, sortOut,
  type InputLogEvent
} from '../../src/logs/events.js'
import { logsErrors, sequenceToken, type LogEventRecord } from '../../src/logs/model.js'
import { authorizedGroup, authorizedStream, oneGroup, pageOf, placeOf } from './context.js'

interface PutLogEventsRequest {
  logGroupName: string
  logStreamName: string
  logEvents: InputLogEvent[]
  sequenceToken?: string
}

const PutLogEvents = operation({
  authorize: 'handler',
  notes: '`sequenceToken` is ignored, as Logs does today; `entity` is accepted and dropped. Events older than the retention are rejected on upload only; stored events do not expire.',
  handle (input: PutLogEventsRequest, ctx) {
    const { group, stream } =
      authorizedStream(ctx, 'logs:PutLogEvents', input.logGroupName, input.logStreamName)
    checkBatch(input.logEvents)

    const now = ctx.now.getTime()
    const { accepted, rejected } = sortOut(input.logEvents, now, group.retentionInDays)
    const updated = afterUpload(stream, accepted, now)
    ctx.emulator.logs.append(updated, accepted, now)
    return { nextSequenceToken: sequenceToken(updated.uploads), rejectedLogEventsInfo: rejected }
  }
})

interface GetLogEventsRequest {
  logGroupName?: string
  logGroupIdentifier?: string
  logStreamName: string
  startTime?: number
  endTime?: number
  nextToken?: string
  limit?: number
  startFromHead?: boolean
}

const wireOutput = (e: LogEventRecord) => ({
  timestamp: e.timestamp, message: e.message, ingestionTime: e.ingestionTime
})

const GetLogEvents = operation({
  authorize: 'handler',
  notes: 'A token is a position in the events of the given time range: reuse it with the same startTime/endTime.',
  handle (input: GetLogEventsRequest, ctx) {
    const { group, stream } =
      authorizedStream(ctx, 'logs:GetLogEvents', oneGroup(input), input.logStreamName)

    const events = ctx.emulator.logs
      .streamEvents(placeOf(ctx), group.logGroupName, stream.logStreamName)
      .filter(e => inTimeRange(e, input.startTime, input.endTime))
    const fromHead = input.startFromHead ?? false
    const page = getPage(events, input.limit ?? 10_000, input.nextToken, fromHead)
    return {
      events: page.events.map(wireOutput),
      nextForwardToken: page.nextForwardToken,
      nextBackwardToken: page.nextBackwardToken
    }
  }
})

interface FilterLogEventsRequest {
  logGroupName?: string
  logGroupIdentifier?: string
  logStreamNames?: string[]
  logStreamNamePrefix?: string
  startTime?: number
  endTime?: number
  filterPattern?: string
  nextToken?: string
  limit?: number
}

const FilterLogEvents = operation({
  authorize: 'handler',
  notes: 'filterPattern: plain terms (all must occur, case-sensitive), quoted phrases and `?term` alternatives only; JSON, space-delimited and regex patterns and `-term` exclusions answer InvalidParameterException.',
  handle (input: FilterLogEventsRequest, ctx) {
    const group = authorizedGroup(ctx, 'logs:FilterLogEvents', oneGroup(input))
    if (input.logStreamNames !== undefined && input.logStreamNamePrefix !== undefined) {
      // (unconfirmed) wording.
      throw logsErrors.invalid('Cannot specify both logStreamNames and logStreamNamePrefix.')
    }
    const matches = compileFilter(input.filterPattern)

    const names = input.logStreamNames
    const prefix = input.logStreamNamePrefix ?? ''
    const events = ctx.emulator.logs.groupEvents(placeOf(ctx), group.logGroupName).filter(e =>
      (names === undefined || names.includes(e.logStreamName)) &&
      e.logStreamName.startsWith(prefix) &&
      inTimeRange(e, input.startTime, input.endTime, true) &&
      matches(e.message))
    const page = pageOf(events, input.limit ?? 10_000, input.nextToken)
    return {
      events: page.items.map(e => ({
        logStreamName: e.logStreamName, ...wireOutput(e), eventId: eventId(e)
      })),
      // Logs stopped filling this in May 2020: it is always empty.
      searchedLogStreams: [],
      nextToken: page.nextToken
    }
  }
})

export const eventOperations: Record<string, Operation> = {
  PutLogEvents, GetLogEvents, FilterLogEvents
}
