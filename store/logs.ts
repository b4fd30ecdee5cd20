/**
 * CloudWatch Logs state: log groups and log streams by account, region and name, and the
 * events of each stream in ingestion order (an event's `id` is its position everywhere).
 * Deleting a group deletes its streams and their events.
 */
import type { Db, Schema } from './db.js'
import { fromJson } from './db.js'
import type { LogEventRecord, LogGroupRecord, LogStreamRecord, Place } from '../src/logs/model.js'

export const logsSchema: Schema = {
  name: 'logs',
  sql: `CREATE TABLE logs_groups_v1 (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (account, region, name)
  );
  CREATE TABLE logs_streams_v1 (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    grp TEXT NOT NULL,
    name TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (account, region, grp, name)
  );
  CREATE TABLE logs_events_v1 (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    grp TEXT NOT NULL,
    stream TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    ingestion INTEGER NOT NULL,
    message TEXT NOT NULL
  );
  CREATE INDEX logs_events_v1_stream ON logs_events_v1 (account, region, grp, stream, timestamp, id);`
}

interface EventRow {
  id: number, stream: string, timestamp: number, ingestion: number, message: string
}

const toEvent = (r: EventRow): LogEventRecord => ({
  id: r.id,
  logStreamName: r.stream,
  timestamp: r.timestamp,
  ingestionTime: r.ingestion,
  message: r.message
})

export class LogStore {
  readonly #getGroup
  readonly #listGroups
  readonly #putGroup
  readonly #deleteGroup
  readonly #getStream
  readonly #listStreams
  readonly #putStream
  readonly #deleteStream
  readonly #deleteGroupStreams
  readonly #insertEvent
  readonly #streamEvents
  readonly #groupEvents
  readonly #deleteStreamEvents
  readonly #deleteGroupEvents
  readonly #groupBytes

  constructor (readonly db: Db) {
    this.#getGroup = db.prepare(`SELECT doc FROM logs_groups_v1
      WHERE account = ? AND region = ? AND name = ?`).pluck()
    this.#listGroups = db.prepare(`SELECT doc FROM logs_groups_v1
      WHERE account = ? AND region = ? ORDER BY name`).pluck()
    this.#putGroup = db.prepare(`INSERT INTO logs_groups_v1 (account, region, name, doc)
      VALUES (?, ?, ?, ?) ON CONFLICT (account, region, name) DO UPDATE SET doc = excluded.doc`)
    this.#deleteGroup = db.prepare(`DELETE FROM logs_groups_v1
      WHERE account = ? AND region = ? AND name = ?`)
    this.#getStream = db.prepare(`SELECT doc FROM logs_streams_v1
      WHERE account = ? AND region = ? AND grp = ? AND name = ?`).pluck()
    this.#listStreams = db.prepare(`SELECT doc FROM logs_streams_v1
      WHERE account = ? AND region = ? AND grp = ? ORDER BY name`).pluck()
    this.#putStream = db.prepare(`INSERT INTO logs_streams_v1 (account, region, grp, name, doc)
      VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (account, region, grp, name) DO UPDATE SET doc = excluded.doc`)
    this.#deleteStream = db.prepare(`DELETE FROM logs_streams_v1
      WHERE account = ? AND region = ? AND grp = ? AND name = ?`)
    this.#deleteGroupStreams = db.prepare(`DELETE FROM logs_streams_v1
      WHERE account = ? AND region = ? AND grp = ?`)
    this.#insertEvent = db.prepare(`INSERT INTO logs_events_v1
      (account, region, grp, stream, timestamp, ingestion, message) VALUES (?, ?, ?, ?, ?, ?, ?)`)
    this.#streamEvents = db.prepare(`SELECT id, stream, timestamp, ingestion, message
      FROM logs_events_v1 WHERE account = ? AND region = ? AND grp = ? AND stream = ? ORDER BY timestamp, id`)
    this.#groupEvents = db.prepare(`SELECT id, stream, timestamp, ingestion, message
      FROM logs_events_v1 WHERE account = ? AND region = ? AND grp = ? ORDER BY timestamp, id`)
    this.#deleteStreamEvents = db.prepare(`DELETE FROM logs_events_v1
      WHERE account = ? AND region = ? AND grp = ? AND stream = ?`)
    this.#deleteGroupEvents = db.prepare(`DELETE FROM logs_events_v1
      WHERE account = ? AND region = ? AND grp = ?`)
    this.#groupBytes = db.prepare(`SELECT COALESCE(SUM(LENGTH(CAST(message AS BLOB))), 0)
      FROM logs_events_v1 WHERE account = ? AND region = ? AND grp = ?`).pluck()
  }

  group (place: Place, name: string): LogGroupRecord | undefined {
    const doc = this.#getGroup.get(place.account, place.region, name) as string | undefined
    return doc === undefined ? undefined : fromJson<LogGroupRecord>(doc)
  }

  /** Groups sorted by name, as AWS lists them. */
  groups (place: Place): LogGroupRecord[] {
    const docs = this.#listGroups.all(place.account, place.region) as string[]
    return docs.map(d => fromJson<LogGroupRecord>(d))
  }

  saveGroup (g: LogGroupRecord): void {
    this.#putGroup.run(g.account, g.region, g.logGroupName, JSON.stringify(g))
  }

  deleteGroup (place: Place, name: string): void {
    this.db.transaction(() => {
      this.#deleteGroupEvents.run(place.account, place.region, name)
      this.#deleteGroupStreams.run(place.account, place.region, name)
      this.#deleteGroup.run(place.account, place.region, name)
    })()
  }

  /** UTF-8 bytes of the messages the group holds. */
  storedBytes (place: Place, group: string): number {
    return this.#groupBytes.get(place.account, place.region, group) as number
  }

  stream (place: Place, group: string, name: string): LogStreamRecord | undefined {
    const doc = this.#getStream.get(place.account, place.region, group, name) as string | undefined
    return doc === undefined ? undefined : fromJson<LogStreamRecord>(doc)
  }

  /** Streams of a group sorted by name. */
  streams (place: Place, group: string): LogStreamRecord[] {
    const docs = this.#listStreams.all(place.account, place.region, group) as string[]
    return docs.map(d => fromJson<LogStreamRecord>(d))
  }

  saveStream (s: LogStreamRecord): void {
    this.#putStream.run(s.account, s.region, s.logGroupName, s.logStreamName, JSON.stringify(s))
  }

  deleteStream (place: Place, group: string, name: string): void {
    this.db.transaction(() => {
      this.#deleteStreamEvents.run(place.account, place.region, group, name)
      this.#deleteStream.run(place.account, place.region, group, name)
    })()
  }

  /** Stores a batch and the stream's new state together. */
  append (stream: LogStreamRecord, events: ReadonlyArray<{ timestamp: number, message: string }>,
    ingestion: number): void {
    const { account, region, logGroupName, logStreamName } = stream
    this.db.transaction(() => {
      for (const e of events) {
        this.#insertEvent.run(account, region, logGroupName, logStreamName,
          e.timestamp, ingestion, e.message)
      }
      this.saveStream(stream)
    })()
  }

  /** A stream's events in timestamp order. */
  streamEvents (place: Place, group: string, stream: string): LogEventRecord[] {
    const rows = this.#streamEvents.all(place.account, place.region, group, stream) as EventRow[]
    return rows.map(toEvent)
  }

  /** A group's events across streams, in timestamp order. */
  groupEvents (place: Place, group: string): LogEventRecord[] {
    return (this.#groupEvents.all(place.account, place.region, group) as EventRow[]).map(toEvent)
  }
}
