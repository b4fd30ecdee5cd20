/**
 * Task definitions per account and region: one row per revision, the definition as ECS
 * returns it in `doc`, and per family the last revision handed out, so that revisions keep
 * counting up whatever happens to the old ones.
 */
import type { Db, Schema } from '../db.js'
import { fromJson } from '../db.js'
import type { Scope } from '../../src/ecs/arns.js'
import type {
  TaskDefinition, TaskDefinitionLookup, TaskDefinitionStatus
} from '../../src/ecs/task-definition.js'

export const taskDefinitionsSchema: Schema = {
  name: 'task-definitions',
  sql: `CREATE TABLE ecs_task_definitions_v1 (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    family TEXT NOT NULL,
    revision INTEGER NOT NULL,
    status TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (account, region, family, revision)
  );
  CREATE INDEX ecs_task_definitions_v1_status
    ON ecs_task_definitions_v1 (account, region, status, family, revision);
  CREATE TABLE ecs_task_definition_families_v1 (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    family TEXT NOT NULL,
    last_revision INTEGER NOT NULL,
    PRIMARY KEY (account, region, family)
  );`
}

export type FamilyStatus = 'ACTIVE' | 'INACTIVE' | 'ALL'

export interface TaskDefinitionQuery {
  /** The whole family name (ListTaskDefinitions' `familyPrefix` is not a prefix). */
  family?: string
  status: TaskDefinitionStatus
  descending: boolean
}

export class TaskDefinitionStore implements TaskDefinitionLookup {
  readonly #db: Db
  readonly #lastRevision
  readonly #bumpRevision
  readonly #insert
  readonly #update
  readonly #get
  readonly #latestActive
  readonly #arnsAsc
  readonly #arnsDesc
  readonly #familiesActive
  readonly #familiesInactive
  readonly #familiesAll

  constructor (db: Db) {
    this.#db = db
    this.#lastRevision = db.prepare(`SELECT last_revision FROM ecs_task_definition_families_v1
      WHERE account = ? AND region = ? AND family = ?`).pluck()
    this.#bumpRevision = db.prepare(`INSERT INTO ecs_task_definition_families_v1
      (account, region, family, last_revision) VALUES (?, ?, ?, ?)
      ON CONFLICT (account, region, family) DO UPDATE SET last_revision = excluded.last_revision`)
    this.#insert = db.prepare(`INSERT INTO ecs_task_definitions_v1
      (account, region, family, revision, status, doc) VALUES (?, ?, ?, ?, ?, ?)`)
    this.#update = db.prepare(`UPDATE ecs_task_definitions_v1 SET status = ?, doc = ?
      WHERE account = ? AND region = ? AND family = ? AND revision = ?`)
    this.#get = db.prepare(`SELECT doc FROM ecs_task_definitions_v1
      WHERE account = ? AND region = ? AND family = ? AND revision = ?`).pluck()
    this.#latestActive = db.prepare(`SELECT doc FROM ecs_task_definitions_v1
      WHERE account = ? AND region = ? AND family = ? AND status = 'ACTIVE'
      ORDER BY revision DESC LIMIT 1`).pluck()
    const arns = (order: string) => db.prepare(`SELECT json_extract(doc, '$.taskDefinitionArn')
      FROM ecs_task_definitions_v1
      WHERE account = ? AND region = ? AND status = ? AND (? IS NULL OR family = ?)
      ORDER BY family ${order}, revision ${order}`).pluck()
    this.#arnsAsc = arns('ASC')
    this.#arnsDesc = arns('DESC')
    const families = (having: string) => db.prepare(`SELECT family FROM ecs_task_definitions_v1
      WHERE account = ? AND region = ? AND substr(family, 1, length(?)) = ?
      GROUP BY family ${having} ORDER BY family`).pluck()
    this.#familiesActive = families("HAVING SUM(status = 'ACTIVE') > 0")
    this.#familiesInactive = families("HAVING SUM(status = 'ACTIVE') = 0")
    this.#familiesAll = families('')
  }

  /** The revision the next registration in `family` gets: one more than any before. */
  nextRevision (scope: Scope, family: string): number {
    const last = this.#lastRevision.get(scope.account, scope.region, family) as number | undefined
    return (last ?? 0) + 1
  }

  /** Stores `build(revision)` as the family's next revision, in one transaction. */
  register (scope: Scope, family: string,
    build: (revision: number) => TaskDefinition): TaskDefinition {
    return this.#db.transaction(() => {
      const revision = this.nextRevision(scope, family)
      const td = build(revision)
      this.#insert.run(scope.account, scope.region, family, revision, td.status, JSON.stringify(td))
      this.#bumpRevision.run(scope.account, scope.region, family, revision)
      return td
    })()
  }

  /** Writes back a revision whose status changed. */
  save (scope: Scope, td: TaskDefinition): void {
    const key = [scope.account, scope.region, td.family, td.revision]
    this.#update.run(td.status, JSON.stringify(td), ...key)
  }

  get (scope: Scope, family: string, revision: number): TaskDefinition | undefined {
    return doc(this.#get.get(scope.account, scope.region, family, revision))
  }

  latestActive (scope: Scope, family: string): TaskDefinition | undefined {
    return doc(this.#latestActive.get(scope.account, scope.region, family))
  }

  /** ARNs in ListTaskDefinitions order: by family, then revision, both one way. */
  arns (scope: Scope, q: TaskDefinitionQuery): string[] {
    const statement = q.descending ? this.#arnsDesc : this.#arnsAsc
    const family = q.family ?? null
    return statement.all(scope.account, scope.region, q.status, family, family) as string[]
  }

  /**
   * Family names beginning with `prefix`: ACTIVE ones have an ACTIVE revision, INACTIVE ones
   * have revisions but none ACTIVE.
   */
  families (scope: Scope, prefix: string, status: FamilyStatus): string[] {
    const statement = status === 'ACTIVE' ? this.#familiesActive
      : status === 'INACTIVE' ? this.#familiesInactive : this.#familiesAll
    return statement.all(scope.account, scope.region, prefix, prefix) as string[]
  }
}

const doc = (text: unknown): TaskDefinition | undefined =>
  typeof text === 'string' ? fromJson<TaskDefinition>(text) : undefined
