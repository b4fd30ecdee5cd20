/**
 * How much a cluster holds, for its counts in DescribeClusters and for DeleteCluster's
 * refusals. Each kind of resource adds its own count here: container instances, tasks
 * (runningTasksCount, pendingTasksCount) and services (activeServicesCount).
 */
import type { EcsStores } from '../emulator.js'
import type { Scope } from './arns.js'
import type { ClusterUsage } from './cluster.js'

/** The STATISTICS names DescribeClusters reports, by launch type. */
const STATISTICS = ['runningEC2TasksCount', 'runningFargateTasksCount', 'pendingEC2TasksCount',
  'pendingFargateTasksCount', 'activeEC2ServiceCount', 'activeFargateServiceCount',
  'drainingEC2ServiceCount', 'drainingFargateServiceCount']

/**
 * Tasks count as running when RUNNING, as pending in every other state but STOPPED (so a
 * stopping task still keeps DeleteCluster from succeeding).
 */
export function clusterUsage (ecs: EcsStores, scope: Scope, clusterName: string): ClusterUsage {
  const registered = ecs.containerInstances.count(scope, clusterName, ['ACTIVE', 'DRAINING'])
  const tasks = ecs.tasks.counts(scope, clusterName)
  const total = (key: 'running' | 'pending', fargate?: boolean): number => tasks
    .filter(t => fargate === undefined || (t.launchType === 'FARGATE') === fargate)
    .reduce((n, t) => n + t[key], 0)
  const counted: Record<string, number> = {
    runningEC2TasksCount: total('running', false),
    runningFargateTasksCount: total('running', true),
    pendingEC2TasksCount: total('pending', false),
    pendingFargateTasksCount: total('pending', true)
  }
  const services = ecs.services.list(scope, clusterName)
  const count = (status: string, fargate: boolean): number => services
    .filter(s => s.status === status && (s.launchType === 'FARGATE' ||
      (s.capacityProviderStrategy ?? []).length > 0) === fargate).length
  counted.activeEC2ServiceCount = count('ACTIVE', false)
  counted.activeFargateServiceCount = count('ACTIVE', true)
  counted.drainingEC2ServiceCount = count('DRAINING', false)
  counted.drainingFargateServiceCount = count('DRAINING', true)
  return {
    registeredContainerInstancesCount: registered,
    runningTasksCount: total('running'),
    pendingTasksCount: total('pending'),
    activeServicesCount: services.filter(s => s.status === 'ACTIVE').length,
    statistics: STATISTICS.map(name => ({ name, value: String(counted[name] ?? 0) }))
  }
}
