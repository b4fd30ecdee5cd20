/**
 * How much a cluster holds, for its counts in DescribeClusters and for DeleteCluster's
 * refusals. Each kind of resource adds its own count here: container instances now; tasks
 * (runningTasksCount, pendingTasksCount) and services (activeServicesCount) when those exist.
 */
import type { EcsStores } from '../emulator.js'
import type { Scope } from './arns.js'
import type { ClusterUsage } from './cluster.js'

/** The STATISTICS names DescribeClusters reports, by launch type. */
const STATISTICS = ['runningEC2TasksCount', 'runningFargateTasksCount', 'pendingEC2TasksCount',
  'pendingFargateTasksCount', 'activeEC2ServiceCount', 'activeFargateServiceCount',
  'drainingEC2ServiceCount', 'drainingFargateServiceCount']

export function clusterUsage (ecs: EcsStores, scope: Scope, clusterName: string): ClusterUsage {
  const registered = ecs.containerInstances.count(scope, clusterName, ['ACTIVE', 'DRAINING'])
  // TODO(tasks, services): count running/pending tasks and active services here, and fill
  // STATISTICS from the same counts.
  return {
    registeredContainerInstancesCount: registered,
    runningTasksCount: 0,
    pendingTasksCount: 0,
    activeServicesCount: 0,
    statistics: STATISTICS.map(name => ({ name, value: '0' }))
  }
}
