/**
 * The role sessions ECS obtains for a task: the task role (served to the containers) and the
 * execution role (used by the agent to pull images, write logs and read secrets). Both are
 * assumed as `ecs-tasks.amazonaws.com`, session name = the task id. RunTask calls this before
 * it commits a task; the ACS hub calls it again to refresh credentials before they expire.
 */
import { randomUUID } from 'node:crypto'
import type { AwsError } from '../../api/errors.js'
import type { Emulator } from '../emulator.js'
import { assumeRoleAsService, unableToAssumeRole } from '../sts/sessions.js'
import type { TaskRecord, TaskRoleSession } from './task.js'

export const TASKS_SERVICE = 'ecs-tasks.amazonaws.com'

export type TaskRoles = TaskRecord['roles']

export type TaskRolesResult = { ok: true, roles: TaskRoles } | { ok: false, error: AwsError }

type RoleSlot = keyof TaskRoles

/**
 * Assumes the task's `taskRoleArn` and `executionRoleArn` (those in effect: the task
 * definition's or the overrides'). A refresh keeps each role's `credentialsId`, so the
 * containers' credentials URI stays valid. The first role that cannot be assumed fails the
 * whole: `unableToAssumeRole(roleArn)`, the ClientException RunTask answers.
 *
 * (unconfirmed) `aws:SourceArn` is the task ARN: AWS documents that task credentials carry the
 * task ARN as their context, and its trust-policy example matches `arn:aws:ecs:REGION:ACCT:*`,
 * which the task ARN and the cluster ARN both satisfy.
 */
export function assumeTaskRoles (emulator: Emulator, task: TaskRecord, now: Date,
  requestId: string = randomUUID()): TaskRolesResult {
  const roles: TaskRoles = {}
  const wanted: [RoleSlot, string | undefined][] = [
    ['task', task.taskRoleArn], ['execution', task.executionRoleArn]
  ]
  for (const [slot, roleArn] of wanted) {
    if (roleArn === undefined) continue
    const result = assumeRoleAsService(emulator, {
      roleArn,
      service: TASKS_SERVICE,
      sessionName: task.id,
      sourceArn: task.taskArn,
      sourceAccount: task.account,
      onBehalfOf: task.taskArn,
      requestId,
      region: task.region,
      now
    })
    if (!result.ok) return { ok: false, error: unableToAssumeRole(roleArn) }
    const previous = task.roles[slot]
    roles[slot] = {
      roleArn,
      credentialsId: previous?.roleArn === roleArn ? previous.credentialsId : randomUUID(),
      accessKeyId: result.session.accessKeyId,
      expiration: result.session.expiration
    } satisfies TaskRoleSession
  }
  return { ok: true, roles }
}
