/**
 * ECS tasks by account, region, cluster and id. (Filled in by the tasks work.)
 */
import type { Db, Schema } from '../db.js'

export const tasksSchema: Schema = {
  name: 'ecs-tasks',
  sql: `CREATE TABLE ecs_tasks_v1 (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    cluster TEXT NOT NULL,
    id TEXT NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (account, region, cluster, id)
  );`
}

export class TaskStore {
  constructor (readonly db: Db) {}
}
