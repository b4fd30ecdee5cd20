/**
 * ELBv2: load balancers, target groups, listeners and rules, one JSON document each keyed by
 * ARN (which carries account and region), with the parent a listener or rule hangs from; and
 * the health of each registered target as the data plane reports it.
 */
import type { Db, Schema } from './db.js'
import { fromJson } from './db.js'
import type { Scope } from '../src/ecs/arns.js'
import type { Elbv2Kind, Elbv2Resource, ListenerRecord, Rule, RuleRecord, TargetDescription,
  TargetHealth, TargetHealthState } from '../src/elbv2/types.js'

export const elbv2Schema: Schema = {
  name: 'elbv2-v1',
  sql: `CREATE TABLE IF NOT EXISTS elbv2_resources_v1 (
    arn TEXT PRIMARY KEY NOT NULL,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    kind TEXT NOT NULL,
    parent TEXT,
    seq INTEGER NOT NULL,
    doc TEXT NOT NULL
  );
  CREATE INDEX IF NOT EXISTS elbv2_resources_v1_scope ON elbv2_resources_v1 (account, region, kind);
  CREATE INDEX IF NOT EXISTS elbv2_resources_v1_parent ON elbv2_resources_v1 (parent);
  CREATE TABLE IF NOT EXISTS elbv2_target_health_v1 (
    target_group_arn TEXT NOT NULL,
    target_id TEXT NOT NULL,
    port INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (target_group_arn, target_id, port)
  );`
}

/**
 * What the data plane reports of each target (`initial`, `healthy`, `unhealthy` ...). A
 * target with no report is described from its registration alone (src/elbv2/health.ts).
 */
export class TargetHealthBoard {
  readonly #get
  readonly #put
  readonly #remove
  readonly #removeGroup

  constructor (db: Db) {
    this.#get = db.prepare(`SELECT doc FROM elbv2_target_health_v1
      WHERE target_group_arn = ? AND target_id = ? AND port = ?`).pluck()
    this.#put = db.prepare(`INSERT INTO elbv2_target_health_v1 (target_group_arn, target_id, port, doc)
      VALUES (?, ?, ?, ?) ON CONFLICT (target_group_arn, target_id, port) DO UPDATE SET doc = excluded.doc`)
    this.#remove = db.prepare(`DELETE FROM elbv2_target_health_v1
      WHERE target_group_arn = ? AND target_id = ? AND port = ?`)
    this.#removeGroup = db.prepare('DELETE FROM elbv2_target_health_v1 WHERE target_group_arn = ?')
  }

  /** The data plane's last report for the target, if any. */
  get (targetGroupArn: string, target: TargetDescription): TargetHealth | undefined {
    const doc = this.#get.get(targetGroupArn, target.Id, target.Port ?? 0) as string | undefined
    return doc === undefined ? undefined : fromJson<TargetHealth>(doc)
  }

  /** Records the target's state with AWS's reason code (`Target.Timeout` ...) and description. */
  set (targetGroupArn: string, target: TargetDescription, state: TargetHealthState, reason?: string,
    description?: string): void {
    const health: TargetHealth = { State: state, Reason: reason, Description: description }
    this.#put.run(targetGroupArn, target.Id, target.Port ?? 0, JSON.stringify(health))
  }

  clear (targetGroupArn: string, target?: TargetDescription): void {
    if (target === undefined) this.#removeGroup.run(targetGroupArn)
    else this.#remove.run(targetGroupArn, target.Id, target.Port ?? 0)
  }
}

export class Elbv2Store {
  readonly health: TargetHealthBoard
  readonly #get
  readonly #list
  readonly #children
  readonly #put
  readonly #remove
  readonly #everyListener
  readonly #changes
  readonly #cached = new Map<string, unknown>()
  #cachedAt = -1
  #seq = Date.now()

  constructor (readonly db: Db) {
    this.health = new TargetHealthBoard(db)
    this.#everyListener = db.prepare(`SELECT doc FROM elbv2_resources_v1 WHERE kind = 'listener'
      ORDER BY seq`).pluck()
    this.#get = db.prepare('SELECT doc FROM elbv2_resources_v1 WHERE arn = ?').pluck()
    this.#list = db.prepare(`SELECT doc FROM elbv2_resources_v1
      WHERE account = ? AND region = ? AND kind = ? ORDER BY seq`).pluck()
    this.#children = db.prepare(`SELECT doc FROM elbv2_resources_v1
      WHERE parent = ? AND kind = ? ORDER BY seq`).pluck()
    this.#put = db.prepare(`INSERT INTO elbv2_resources_v1 (arn, account, region, kind, parent, seq, doc)
      VALUES (@arn, @account, @region, @kind, @parent, @seq, @doc)
      ON CONFLICT (arn) DO UPDATE SET doc = excluded.doc, parent = excluded.parent`)
    this.#remove = db.prepare('DELETE FROM elbv2_resources_v1 WHERE arn = ?')
    this.#changes = db.prepare('SELECT total_changes()').pluck()
  }

  /** Runs `fn` in one transaction (synchronous: never await inside). */
  transaction<T> (fn: () => T): T {
    return this.db.transaction(fn)()
  }

  get<T extends Elbv2Resource> (kind: T['kind'], arn: string): T | undefined {
    const doc = this.#get.get(arn) as string | undefined
    const found = doc === undefined ? undefined : fromJson<T>(doc)
    return found?.kind === kind ? found : undefined
  }

  /** Every resource of the kind in the account and region, oldest first. */
  list<T extends Elbv2Resource> (scope: Scope, kind: T['kind']): T[] {
    return (this.#list.all(scope.account, scope.region, kind) as string[]).map(d => fromJson<T>(d))
  }

  /** The listeners of a load balancer, or the rules of a listener, oldest first. */
  children<T extends Elbv2Resource> (parentArn: string, kind: T['kind']): T[] {
    return (this.#children.all(parentArn, kind) as string[]).map(d => fromJson<T>(d))
  }

  /** Every listener of every account and region (what the data plane serves), oldest first. */
  everyListener (): ListenerRecord[] {
    return (this.#everyListener.all() as string[]).map(d => fromJson<ListenerRecord>(d))
  }

  /** A listener's rules as the data plane matches them: by priority, the default rule last. */
  rulesOf (listenerArn: string): Rule[] {
    const order = (r: Rule): number => r.IsDefault ? Infinity : Number(r.Priority)
    return this.children<RuleRecord>(listenerArn, 'rule').map(r => r.rule).sort((a, b) => order(a) - order(b))
  }

  /** `get` for the data plane, which repeats it on every request: frozen, shared, never edited. */
  cachedGet<T extends Elbv2Resource> (kind: T['kind'], arn: string): T | undefined {
    return this.#cache(`${kind}\0${arn}`, () => freeze(this.get<T>(kind, arn)))
  }

  /** `rulesOf` for the data plane: frozen, shared, never edited. */
  cachedRulesOf (listenerArn: string): readonly Rule[] {
    return this.#cache(`rules\0${listenerArn}`, () => Object.freeze(this.rulesOf(listenerArn)))
  }

  /** `health.get` for the data plane: frozen, shared, never edited. */
  cachedHealth (targetGroupArn: string, target: TargetDescription): TargetHealth | undefined {
    return this.#cache(`health\0${targetGroupArn}\0${target.Id}\0${target.Port ?? 0}`,
      () => freeze(this.health.get(targetGroupArn, target)))
  }

  /**
   * What was read since the last write to the database, by this store or any other
   * (`Emulator.reset()` included): SQLite's `total_changes()` moves on every row written.
   * Filled only outside transactions, so a rolled-back write cannot leave a stale entry.
   */
  #cache<T> (key: string, read: () => T): T {
    const changes = this.#changes.get() as number
    if (changes !== this.#cachedAt) {
      this.#cached.clear()
      this.#cachedAt = changes
    }
    if (this.#cached.has(key)) return this.#cached.get(key) as T
    const value = read()
    if (!this.db.inTransaction) this.#cached.set(key, value)
    return value
  }

  save (r: Elbv2Resource): void {
    this.#put.run({
      arn: arnOf(r), account: r.account, region: r.region, kind: r.kind, parent: parentOf(r),
      seq: this.#seq++, doc: JSON.stringify(r)
    })
  }

  remove (arn: string): void {
    this.#remove.run(arn)
  }
}

const freeze = <T>(value: T | undefined): T | undefined =>
  value === undefined ? undefined : Object.freeze(value)

export function arnOf (r: Elbv2Resource): string {
  switch (r.kind) {
    case 'load-balancer': return r.loadBalancer.LoadBalancerArn
    case 'target-group': return r.targetGroup.TargetGroupArn
    case 'listener': return r.listener.ListenerArn
    case 'rule': return r.rule.RuleArn
  }
}

function parentOf (r: Elbv2Resource): string | null {
  if (r.kind === 'listener') return r.listener.LoadBalancerArn
  if (r.kind === 'rule') return r.listenerArn
  return null
}

export type { Elbv2Kind }
