/**
 * ECS tasks by account, region, cluster and id, in creation order. The columns beside the
 * document are what ListTasks filters on and what the ACS hub looks tasks up by. A STOPPED task
 * stays until `expire` forgets it (see STOPPED_TASK_RETENTION_MS).
 */
import type { Db, Schema } from '../db.js'
import { ReadCache } from '../read-cache.js'
import { fromJson } from '../db.js'
import type { Scope } from '../../src/ecs/arns.js'
import type { DesiredStatus, LaunchType, TaskRecord } from '../../src/ecs/task.js'

export const tasksSchema: Schema = {
  name: 'ecs-tasks',
  sql: `CREATE TABLE ecs_tasks_v1 (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    cluster TEXT NOT NULL,
    id TEXT NOT NULL,
    task_arn TEXT NOT NULL UNIQUE,
    container_instance TEXT,
    family TEXT NOT NULL,
    task_group TEXT NOT NULL,
    started_by TEXT,
    desired_status TEXT NOT NULL,
    last_status TEXT NOT NULL,
    launch_type TEXT NOT NULL,
    open INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (account, region, cluster, id)
  );
  CREATE INDEX ecs_tasks_v1_instance ON ecs_tasks_v1 (container_instance, seq) WHERE open = 1;
  CREATE INDEX ecs_tasks_v1_seq ON ecs_tasks_v1 (account, region, cluster, seq);
  CREATE INDEX ecs_tasks_v1_open ON ecs_tasks_v1 (launch_type, seq) WHERE open = 1;`
}

/** ListTasks' filters, already resolved to stored values. */
export interface TaskFilter {
  family?: string
  group?: string
  containerInstanceArn?: string
  desiredStatus?: DesiredStatus
  startedBy?: string
  launchType?: LaunchType
}

/** Tasks of a cluster that are not STOPPED, by launch type: RUNNING, and the rest. */
const docs = (rows: unknown[]): TaskRecord[] => (rows as string[]).map(d => fromJson<TaskRecord>(d))

export interface StatusCounts { launchType: LaunchType, running: number, pending: number }

export class TaskStore {
  readonly #get
  readonly #byArn
  readonly #byInstance
  readonly #onInstance
  readonly #counts
  /** The counts per cluster, for DescribeClusters; emptied by every write. */
  readonly #countsCache: ReadCache<StatusCounts[]>
  readonly #fargate
  readonly #inStatus
  readonly #insert
  readonly #update
  readonly #expire
  #seq = Date.now() * 1000

  constructor (readonly db: Db) {
    this.#countsCache = new ReadCache(db)
    this.#get = db.prepare(`SELECT doc FROM ecs_tasks_v1
      WHERE account = ? AND region = ? AND cluster = ? AND id = ?`).pluck()
    this.#byArn = db.prepare('SELECT doc FROM ecs_tasks_v1 WHERE task_arn = ?').pluck()
    this.#byInstance = db.prepare(`SELECT doc FROM ecs_tasks_v1
      WHERE container_instance = ? AND open = 1 ORDER BY seq`).pluck()
    this.#onInstance = db.prepare(`SELECT doc FROM ecs_tasks_v1
      WHERE container_instance = ? AND last_status <> 'STOPPED' ORDER BY seq`).pluck()
    this.#counts = db.prepare(`SELECT launch_type AS launchType,
        SUM(last_status = 'RUNNING') AS running, SUM(last_status <> 'RUNNING') AS pending
      FROM ecs_tasks_v1 WHERE account = ? AND region = ? AND cluster = ? AND open = 1
        AND last_status <> 'STOPPED'
      GROUP BY launch_type`)
    this.#inStatus = db.prepare(`SELECT doc FROM ecs_tasks_v1
      WHERE open = 1 AND last_status IN (SELECT value FROM json_each(?)) ORDER BY seq`).pluck()
    this.#fargate = db.prepare(`SELECT doc FROM ecs_tasks_v1
      WHERE launch_type = 'FARGATE' AND open = 1 ORDER BY seq`).pluck()
    this.#insert = db.prepare(`INSERT INTO ecs_tasks_v1 (account, region, cluster, id, task_arn,
        container_instance, family, task_group, started_by, desired_status, last_status,
        launch_type, open, seq, doc)
      VALUES (@account, @region, @cluster, @id, @taskArn, @instance, @family, @group, @startedBy,
        @desired, @last, @launchType, @open, @seq, @doc)`)
    this.#update = db.prepare(`UPDATE ecs_tasks_v1 SET container_instance = @instance,
        task_group = @group, started_by = @startedBy, desired_status = @desired,
        last_status = @last, open = @open, doc = @doc
      WHERE task_arn = @taskArn`)
    this.#expire = db.prepare(`DELETE FROM ecs_tasks_v1
      WHERE open = 0 AND COALESCE(json_extract(doc, '$.stoppedAt'), json_extract(doc, '$.createdAt')) < ?
      RETURNING task_arn`).pluck()
  }

  create (task: TaskRecord): void {
    this.#countsCache.clear()
    this.#insert.run({ ...this.#row(task), seq: this.#seq++ })
  }

  save (task: TaskRecord): void {
    this.#countsCache.clear()
    this.#update.run(this.#row(task))
  }

  get (scope: Scope, cluster: string, id: string): TaskRecord | undefined {
    const doc = this.#get.get(scope.account, scope.region, cluster, id) as string | undefined
    return doc === undefined ? undefined : fromJson<TaskRecord>(doc)
  }

  byArn (taskArn: string): TaskRecord | undefined {
    const doc = this.#byArn.get(taskArn) as string | undefined
    return doc === undefined ? undefined : fromJson<TaskRecord>(doc)
  }

  /**
   * The instance's tasks its agent must still hear about: those not yet STOPPED, and STOPPED
   * ones whose STOPPED the agent has not acknowledged. Oldest first.
   */
  byContainerInstance (containerInstanceArn: string): TaskRecord[] {
    return docs(this.#byInstance.all(containerInstanceArn))
  }

  /** The instance's tasks that are not STOPPED (what holds its resources). */
  activeOn (containerInstanceArn: string): TaskRecord[] {
    return docs(this.#onInstance.all(containerInstanceArn))
  }

  /** The cluster's tasks by state and launch type, for its running and pending counts. */
  counts (scope: Scope, cluster: string): StatusCounts[] {
    return this.#countsCache.get(`${scope.account}\0${scope.region}\0${cluster}`,
      () => this.#counts.all(scope.account, scope.region, cluster) as StatusCounts[])
  }

  /** Tasks (of every account and region) whose status is one of `statuses`. */
  inStatus (statuses: readonly string[]): TaskRecord[] {
    return docs(this.#inStatus.all(JSON.stringify(statuses)))
  }

  clearCache (): void {
    this.#countsCache.clear()
  }

  /**
   * Forgets the settled tasks (STOPPED, and their agent told) that stopped before `before`
   * (epoch seconds, as the documents keep times), of every account and region. Their ARNs.
   */
  expire (before: number): string[] {
    return this.#expire.all(before) as string[]
  }

  /**
   * Fargate tasks (no container instance) an agent offering Fargate capacity must still hear
   * about, as `byContainerInstance` has them for an instance. Every account, oldest first.
   */
  openFargate (): TaskRecord[] {
    return docs(this.#fargate.all())
  }

  /** The cluster's tasks matching `filter`, oldest first, from `after` (a seq) on. */
  list (scope: Scope, cluster: string, filter: TaskFilter): TaskRecord[] {
    const where = ['account = ?', 'region = ?', 'cluster = ?']
    const args: unknown[] = [scope.account, scope.region, cluster]
    const add = (sql: string, v: unknown): void => {
      if (v !== undefined) { where.push(sql); args.push(v) }
    }
    add('family = ?', filter.family)
    add('task_group = ?', filter.group)
    add('container_instance = ?', filter.containerInstanceArn)
    add('desired_status = ?', filter.desiredStatus)
    add('started_by = ?', filter.startedBy)
    add('launch_type = ?', filter.launchType)
    const sql = `SELECT doc FROM ecs_tasks_v1 WHERE ${where.join(' AND ')} ORDER BY seq`
    return docs(this.db.prepare(sql).pluck().all(...args))
  }

  #row (t: TaskRecord): Record<string, unknown> {
    const settled = t.lastStatus === 'STOPPED' && t.acknowledgedStatus === 'STOPPED'
    return {
      account: t.account, region: t.region, cluster: t.cluster, id: t.id, taskArn: t.taskArn,
      instance: t.containerInstanceArn ?? null, family: t.family, group: t.group,
      startedBy: t.startedBy ?? null, desired: t.desiredStatus, last: t.lastStatus,
      launchType: t.launchType, open: settled ? 0 : 1, doc: JSON.stringify(t)
    }
  }
}
