/**
 * The Docker labels on everything the engine makes: the real agent's five `com.amazonaws.ecs.*`
 * labels, the instance id the engine finds its containers by after a restart, and the extra
 * labels the agent was started with.
 */
import type { AcsTask } from '../acs-task.js'
import { INSTANCE_LABEL } from '../host-network.js'

export const LABELS = {
  taskArn: 'com.amazonaws.ecs.task-arn',
  containerName: 'com.amazonaws.ecs.container-name',
  cluster: 'com.amazonaws.ecs.cluster',
  family: 'com.amazonaws.ecs.task-definition-family',
  version: 'com.amazonaws.ecs.task-definition-version',
  instanceId: INSTANCE_LABEL
} as const

/** The awsvpc pause container's name in the task (never reported in DescribeTasks). */
export const PAUSE_CONTAINER = '~internal~ecs~pause'
export const PAUSE_IMAGE = 'amazon/amazon-ecs-pause:0.1.0'

export interface LabelContext {
  cluster: string
  instanceId: string
  extra: Record<string, string>
}

/** A cluster ARN's name; a name stays as it is (the agent labels with the short name). */
export const clusterName = (cluster: string): string =>
  cluster.startsWith('arn:') ? cluster.slice(cluster.indexOf('/') + 1) : cluster

export function containerLabels (task: AcsTask, containerName: string,
  ctx: LabelContext): Record<string, string> {
  return {
    ...ctx.extra,
    [LABELS.taskArn]: task.arn,
    [LABELS.containerName]: containerName,
    [LABELS.cluster]: clusterName(ctx.cluster),
    [LABELS.family]: task.family,
    [LABELS.version]: task.version,
    [LABELS.instanceId]: ctx.instanceId
  }
}

/** Labels for a task's volumes: the task and the instance, and the extra ones. */
export function volumeLabels (task: AcsTask, ctx: LabelContext): Record<string, string> {
  return { ...ctx.extra, [LABELS.taskArn]: task.arn, [LABELS.instanceId]: ctx.instanceId }
}
