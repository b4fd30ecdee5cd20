/**
 * Log events: what PutLogEvents accepts and rejects, how GetLogEvents pages with its `f/`
 * and `b/` tokens, and the part of the filter-pattern syntax FilterLogEvents understands.
 */
import { logsErrors, type LogEventRecord, type LogStreamRecord } from './model.js'

export interface InputLogEvent { timestamp: number, message: string }

export interface RejectedLogEventsInfo {
  tooNewLogEventStartIndex?: number
  tooOldLogEventEndIndex?: number
  expiredLogEventEndIndex?: number
}

const HOUR = 3_600_000
const DAY = 24 * HOUR
const MAX_BATCH_BYTES = 1_048_576
/** Logs counts 26 bytes of overhead per event toward the batch size. */
const EVENT_OVERHEAD = 26

/** Throws for a batch Logs refuses as a whole: out of order, too large, spanning a day. */
export function checkBatch (events: readonly InputLogEvent[]): void {
  for (let i = 1; i < events.length; i++) {
    if (events[i].timestamp < events[i - 1].timestamp) {
      throw logsErrors.invalid('Log events in a single PutLogEvents request must be in chronological order.')
    }
  }
  const bytes = events.reduce((n, e) => n + Buffer.byteLength(e.message) + EVENT_OVERHEAD, 0)
  if (bytes > MAX_BATCH_BYTES) {
    // (unconfirmed) wording of the size refusal.
    throw logsErrors.invalid(`Upload too large: ${bytes} bytes exceeds limit of ${MAX_BATCH_BYTES}`)
  }
  const span = events.length === 0 ? 0 : events[events.length - 1].timestamp - events[0].timestamp
  if (span > DAY) {
    throw logsErrors.invalid('The batch of log events in a single PutLogEvents request cannot span more than 24 hours.')
  }
}

/**
 * Splits a chronological batch into the accepted events and AWS's rejection indexes: a prefix
 * older than 14 days (end index exclusive), a prefix older than the retention (exclusive), and
 * a suffix more than 2 hours ahead (start index inclusive).
 */
export function sortOut (events: readonly InputLogEvent[], now: number, retentionInDays?: number):
{ accepted: InputLogEvent[], rejected?: RejectedLogEventsInfo } {
  const tooOld = countWhile(events, e => e.timestamp < now - 14 * DAY)
  const expired = retentionInDays === undefined
    ? 0
    : countWhile(events, e => e.timestamp < now - retentionInDays * DAY)
  let tooNew = events.length
  while (tooNew > 0 && events[tooNew - 1].timestamp > now + 2 * HOUR) tooNew--

  const rejected: RejectedLogEventsInfo = {}
  if (tooOld > 0) rejected.tooOldLogEventEndIndex = tooOld
  if (expired > 0) rejected.expiredLogEventEndIndex = expired
  if (tooNew < events.length) rejected.tooNewLogEventStartIndex = tooNew
  const start = Math.max(tooOld, expired)
  const accepted = events.slice(start, Math.max(tooNew, start))
  return Object.keys(rejected).length === 0 ? { accepted } : { accepted, rejected }
}

function countWhile<T> (items: readonly T[], test: (t: T) => boolean): number {
  let n = 0
  while (n < items.length && test(items[n])) n++
  return n
}

/** The stream after a batch was stored at `now`. */
export function afterUpload (stream: LogStreamRecord, accepted: readonly InputLogEvent[],
  now: number): LogStreamRecord {
  const next = { ...stream, uploads: stream.uploads + 1, lastIngestionTime: now }
  if (accepted.length === 0) return next
  const first = accepted[0].timestamp
  const last = accepted[accepted.length - 1].timestamp
  next.firstEventTimestamp = Math.min(stream.firstEventTimestamp ?? first, first)
  next.lastEventTimestamp = Math.max(stream.lastEventTimestamp ?? last, last)
  return next
}

/**
 * Events from startTime on and before endTime (GetLogEvents) or up to endTime inclusive
 * (FilterLogEvents, `endInclusive`); either bound optional.
 */
export const inTimeRange = (e: LogEventRecord, startTime?: number, endTime?: number,
  endInclusive = false): boolean =>
  (startTime === undefined || e.timestamp >= startTime) &&
  (endTime === undefined || e.timestamp < endTime || (endInclusive && e.timestamp === endTime))

export interface GetLogEventsPage {
  events: LogEventRecord[]
  nextForwardToken: string
  nextBackwardToken: string
}

const pad = (n: number): string => String(n).padStart(56, '0')

/**
 * One GetLogEvents page over `events` (already in range and in order). A token names a
 * position between events: `f/N` reads forward from N, `b/N` reads backward from N. Without
 * one the page is the first `limit` events (startFromHead) or the last `limit`.
 */
export function getPage (events: readonly LogEventRecord[], limit: number,
  token: string | undefined, startFromHead: boolean): GetLogEventsPage {
  const { forward, position } = token === undefined
    ? { forward: startFromHead, position: startFromHead ? 0 : events.length }
    : parseToken(token, events.length)
  const [from, to] = forward
    ? [position, Math.min(events.length, position + limit)]
    : [Math.max(0, position - limit), position]
  return {
    events: events.slice(from, to),
    nextForwardToken: `f/${pad(to)}`,
    nextBackwardToken: `b/${pad(from)}`
  }
}

function parseToken (token: string, size: number): { forward: boolean, position: number } {
  const m = /^([fb])\/(\d{1,56})$/.exec(token)
  if (m === null) throw logsErrors.invalid('The specified nextToken is invalid.') // (unconfirmed)
  return { forward: m[1] === 'f', position: Math.min(size, Number(m[2])) }
}

/**
 * A filter-pattern matcher for the terms subset: every plain or quoted term must occur
 * (case-sensitive); with `?term` alternatives, any one of them suffices. An empty pattern
 * matches everything. JSON (`{ ... }`) and space-delimited (`[ ... ]`) patterns, `-term`
 * exclusions and regular expressions are refused.
 */
export function compileFilter (pattern: string | undefined): (message: string) => boolean {
  const text = (pattern ?? '').trim()
  if (text === '') return () => true
  if (/^[{[%]/.test(text)) {
    throw logsErrors.invalid('Invalid filter pattern') // (unconfirmed) and not emulated
  }
  const tokens = [...text.matchAll(/(\??)(?:"((?:[^"\\]|\\.)*)"|(\S+))/g)].map(m => ({
    optional: m[1] === '?',
    term: m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]
  }))
  const alternatives = tokens.filter(t => t.optional).map(t => t.term)
  const required = tokens.filter(t => !t.optional).map(t => t.term)
  if (alternatives.length > 0) return message => alternatives.some(t => message.includes(t))
  return message => required.every(t => message.includes(t))
}

/** FilterLogEvents' event id: the stored position, in the 56-digit form Logs uses. */
export const eventId = (e: LogEventRecord): string => pad(e.id)
