/**
 * `requiresAttributes`: the container-instance capabilities a task definition needs, which
 * ECS computes at registration and the EC2 scheduler later matches against each instance's
 * attributes. ECS publishes the attribute names but not the feature → attribute table; the
 * rows below are read off real DescribeTaskDefinition outputs. The ones marked (unconfirmed)
 * rest on few of them. ECS lists the attributes in no documented order; ours is stable.
 */
import type { ContainerDefinition, TaskDefinition } from './task-definition.js'
import { isEcrImage } from './task-definition-validation.js'

const CAP = 'com.amazonaws.ecs.capability'
const docker = (version: string): string => `${CAP}.docker-remote-api.${version}`

interface Row {
  /** Whether the definition needs the attribute(s). */
  when: (td: TaskDefinition) => boolean
  names: string[] | ((td: TaskDefinition) => string[])
}

const containers = (td: TaskDefinition): ContainerDefinition[] => td.containerDefinitions
const any = (td: TaskDefinition, test: (c: ContainerDefinition) => boolean): boolean =>
  containers(td).some(test)
const logDriver = (c: ContainerDefinition): string | undefined => c.logConfiguration?.logDriver
const awslogs = (c: ContainerDefinition): boolean => logDriver(c) === 'awslogs'
const awslogsOption = (c: ContainerDefinition, option: string): boolean =>
  awslogs(c) && c.logConfiguration?.options?.[option] !== undefined
const secretsFrom = (c: ContainerDefinition, service: 'ssm' | 'secretsmanager'): boolean =>
  (c.secrets ?? []).some(s => secretService(s.valueFrom) === service)
const logSecretsFrom = (c: ContainerDefinition, service: 'ssm' | 'secretsmanager'): boolean =>
  (c.logConfiguration?.secretOptions ?? []).some(s => secretService(s.valueFrom) === service)
const hasExecutionRole = (td: TaskDefinition): boolean => td.executionRoleArn !== undefined

/** A secret's source: an ARN names its service; a bare name is an SSM parameter. */
function secretService (valueFrom: string): 'ssm' | 'secretsmanager' {
  const service = valueFrom.startsWith('arn:') ? valueFrom.split(':')[2] : 'ssm'
  return service === 'secretsmanager' ? 'secretsmanager' : 'ssm'
}

const ROWS: Row[] = [
  {
    when: td => any(td, c => logDriver(c) !== undefined),
    names: td => [...new Set(containers(td).map(logDriver).filter(d => d !== undefined))]
      .map(d => `${CAP}.logging-driver.${d}`)
  },
  {
    when: td => hasExecutionRole(td) && any(td, awslogs),
    names: ['ecs.capability.execution-role-awslogs']
  },
  { when: td => any(td, c => isEcrImage(c.image)), names: [`${CAP}.ecr-auth`] },
  // Every awslogs definition we have seen lists 1.19 next to the driver.
  { when: td => any(td, awslogs), names: [docker('1.19')] },
  { when: td => td.taskRoleArn !== undefined, names: [`${CAP}.task-iam-role`] },
  {
    when: td => any(td, c => c.healthCheck !== undefined),
    names: ['ecs.capability.container-health-check']
  },
  {
    when: td => hasExecutionRole(td) && any(td, c => isEcrImage(c.image)),
    names: ['ecs.capability.execution-role-ecr-pull']
  },
  {
    when: td => any(td, c => secretsFrom(c, 'ssm')),
    names: ['ecs.capability.secrets.ssm.environment-variables']
  },
  {
    when: td => any(td, c => secretsFrom(c, 'secretsmanager')),
    names: ['ecs.capability.secrets.asm.environment-variables']
  },
  {
    when: td => any(td, c => logSecretsFrom(c, 'ssm')),
    names: ['ecs.capability.secrets.ssm.bootstrap.log-driver']
  },
  {
    when: td => any(td, c => logSecretsFrom(c, 'secretsmanager')),
    names: ['ecs.capability.secrets.asm.bootstrap.log-driver']
  },
  // Docker API 1.18 brought log drivers, ulimits and labels (the ECS parameter docs say so).
  {
    when: td => any(td, c =>
      logDriver(c) !== undefined || nonEmpty(c.ulimits) || c.dockerLabels !== undefined),
    names: [docker('1.18')]
  },
  { when: td => td.networkMode === 'awsvpc', names: ['ecs.capability.task-eni'] },
  {
    when: td => td.volumes.some(v => v.efsVolumeConfiguration !== undefined),
    names: ['ecs.capability.efsAuth', 'ecs.capability.efs', docker('1.25')]
  },
  // (unconfirmed) seen only on definitions whose awslogs options create the group / set a mode
  {
    when: td => any(td, c => awslogsOption(c, 'awslogs-create-group')),
    names: [docker('1.29')]
  },
  { when: td => any(td, c => awslogsOption(c, 'mode')), names: [docker('1.28')] },
  // (unconfirmed) the attribute names ECS documents for these features
  {
    when: td => any(td, c => nonEmpty(c.dependsOn)),
    names: ['ecs.capability.container-ordering']
  },
  {
    when: td => any(td, c => nonEmpty(c.environmentFiles)),
    names: ['ecs.capability.env-files.s3']
  },
  {
    when: td => any(td, c => c.firelensConfiguration !== undefined),
    names: td => [...new Set(containers(td).flatMap(c => c.firelensConfiguration === undefined
      ? []
      : [`ecs.capability.firelens.${c.firelensConfiguration.type}`]))]
  }
]

function nonEmpty (list: readonly unknown[] | undefined): boolean {
  return list !== undefined && list.length > 0
}

export function requiresAttributes (td: TaskDefinition): { name: string }[] {
  const names: string[] = []
  for (const row of ROWS) {
    if (!row.when(td)) continue
    names.push(...(typeof row.names === 'function' ? row.names(td) : row.names))
  }
  return [...new Set(names)].map(name => ({ name }))
}
