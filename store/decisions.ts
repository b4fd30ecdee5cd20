/**
 * The decision log: every authorization, allowed or not, from outside or inside. Rows are
 * buffered and written in one transaction every few milliseconds, so that logging never
 * dominates a request; every read flushes first, so a reader always sees every decision made
 * before it asked, and closing the emulator flushes what is left.
 */
import type { Db, Schema } from './db.js'
import type { Decision, RequestContext } from '../src/iam/policy.js'

export const decisionsSchema: Schema = {
  name: 'decisions-v2',
  // The row id is the decision's sequence number, so an insert appends to the table's B-tree;
  // only internal steps (on_behalf_of set) are indexed, the user's own calls cost no index.
  sql: `CREATE TABLE decisions_v2 (
    seq INTEGER PRIMARY KEY,
    time REAL NOT NULL,
    request_id TEXT NOT NULL,
    principal TEXT NOT NULL,
    action TEXT NOT NULL,
    resource TEXT NOT NULL,
    decision TEXT NOT NULL,
    enforced INTEGER NOT NULL,
    on_behalf_of TEXT,
    doc TEXT NOT NULL
  );
  CREATE INDEX decisions_v2_behalf ON decisions_v2 (on_behalf_of, seq) WHERE on_behalf_of IS NOT NULL;`
}

/** Rows are written together at most this long after the first of them (milliseconds)... */
const FLUSH_MS = 20
/** ...or as soon as this many wait. */
const FLUSH_ROWS = 500

export interface DecisionRecord {
  /** The decision's sequence number in this log, as a string. */
  id: string
  /** Epoch seconds with milliseconds, as ECS timestamps are. */
  time: number
  requestId: string
  principal: string
  action: string
  resource: string
  context: RequestContext
  decision: Decision['decision']
  /** false under `--iam soft`: the decision was recorded but not applied. */
  enforced: boolean
  decidedBy?: Decision['decidedBy']
  missingAllowIn?: Decision['missingAllowIn']
  unevaluable: Decision['unevaluable']
  /** The AccessDenied message a denial produced (or would have, in soft mode). */
  message?: string
  onBehalfOf?: string
}

export interface DecisionQuery {
  principal?: string
  action?: string
  decision?: string
  onBehalfOf?: string
  /** The request the decisions were made in (not indexed: a scan of the log). */
  requestId?: string
  /** Epoch seconds; inclusive bounds. */
  since?: number
  until?: number
  limit?: number
}

export class DecisionLog {
  readonly #db: Db
  readonly #insert
  readonly #prune
  readonly #limit: number
  #pending: DecisionRecord[] = []
  #seq: number
  #timer: NodeJS.Timeout | undefined

  constructor (db: Db, limit: number) {
    this.#db = db
    this.#limit = limit
    this.#insert = db.prepare(`INSERT INTO decisions_v2
      (seq, time, request_id, principal, action, resource, decision, enforced, on_behalf_of, doc)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    this.#prune = db.prepare('DELETE FROM decisions_v2 WHERE seq <= ?')
    this.#seq = (db.prepare('SELECT MAX(seq) FROM decisions_v2').pluck().get() as number | null) ?? 0
  }

  /** The id the next decision gets; the authorizer stamps it on the record it passes in. */
  nextId (): string {
    return String(++this.#seq)
  }

  record (r: DecisionRecord): void {
    this.#pending.push(r)
    if (this.#pending.length >= FLUSH_ROWS) this.flush()
    else this.#timer ??= setTimeout(() => this.flush(), FLUSH_MS).unref()
  }

  flush (): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#pending.length === 0) return
    const rows = this.#pending
    this.#pending = []
    this.#db.transaction(() => {
      for (const r of rows) {
        this.#insert.run(Number(r.id), r.time, r.requestId, r.principal, r.action, r.resource,
          r.decision, r.enforced ? 1 : 0, r.onBehalfOf ?? null, JSON.stringify(r))
      }
      if (this.#seq % 1000 < rows.length) this.#prune.run(this.#seq - this.#limit)
    })()
  }

  /** Newest first. */
  query (q: DecisionQuery): DecisionRecord[] {
    this.flush()
    const where: string[] = []
    const args: unknown[] = []
    const add = (sql: string, v: unknown): void => { if (v !== undefined) { where.push(sql); args.push(v) } }
    add('principal = ?', q.principal)
    add('action = ?', q.action)
    add('decision = ?', q.decision)
    add('on_behalf_of = ?', q.onBehalfOf)
    add('request_id = ?', q.requestId)
    add('time >= ?', q.since)
    add('time <= ?', q.until)
    const sql = `SELECT doc FROM decisions_v2 ${where.length > 0 ? 'WHERE ' + where.join(' AND ') : ''}
      ORDER BY seq DESC LIMIT ?`
    args.push(Math.min(q.limit ?? 100, 10_000))
    return (this.#db.prepare(sql).pluck().all(...args) as string[]).map(d => JSON.parse(d) as DecisionRecord)
  }

  get (id: string): DecisionRecord | undefined {
    this.flush()
    const doc = this.#db.prepare('SELECT doc FROM decisions_v2 WHERE seq = ?').pluck().get(Number(id)) as string | undefined
    return doc === undefined ? undefined : JSON.parse(doc) as DecisionRecord
  }

  clear (): void {
    this.#pending = []
    this.#db.exec('DELETE FROM decisions_v2')
  }
}
