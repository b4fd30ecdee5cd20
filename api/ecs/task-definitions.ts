/**
 * Task definition operations: register, describe, list, deregister, delete. The rules live
 * in src/ecs/task-definition*.ts; the revisions in store/ecs/task-definitions.ts; tags in
 * the shared tag store, keyed by the revision's ARN.
 */
import { AwsError } from '../errors.js'
import { F } from '../../src/log.js'
import { operation, type Check, type Operation, type OperationContext } from '../registry.js'
import { arns, type Scope } from '../../src/ecs/arns.js'
import { resourceTagContext, tagOnCreate } from '../../src/ecs/authz.js'
import { ecsErrors } from '../../src/ecs/errors.js'
import { paginate } from '../../src/ecs/pagination.js'
import {
  buildTaskDefinition, deregister, parseTaskDefinitionRef, registerContext, requestDeletion,
  resolveTaskDefinition, withoutNulls, type RegisterTaskDefinitionRequest, type TaskDefinition,
  type TaskDefinitionStatus
} from '../../src/ecs/task-definition.js'
import {
  checkFamily, expandRoleArn, validateTaskDefinition
} from '../../src/ecs/task-definition-validation.js'
import { passRole } from '../../src/iam/pass-role.js'
import type { FamilyStatus } from '../../store/ecs/task-definitions.js'

const PAGE = { fallback: 100, max: 100 }
const MAX_DELETIONS = 10

const scopeOf = (ctx: OperationContext): Scope => ({ account: ctx.account, region: ctx.region })
const store = (ctx: OperationContext) => ctx.emulator.ecs.taskDefinitions
const clientError = (message: string): AwsError => new AwsError('ClientException', message)

const FAILURES = {
  // (unconfirmed) none of these reasons is in AWS's documentation; the ACTIVE one is the text
  // reported from DeleteTaskDefinitions on AWS, the other two follow its pattern
  invalid: 'The specified task definition identifier is invalid. Specify a valid name or ARN and try again.',
  missing: 'The specified task definition does not exist. Specify a valid account, family, revision and try again.',
  active: 'The specified task definition is still in ACTIVE status. Please deregister the target and try again.'
}

const RegisterTaskDefinition = operation({
  authorize: 'handler',
  notes: 'Validation follows the documented rules and the messages ECS is known to give, one ' +
    'problem at a time in a fixed order (AWS does not publish its order). `requiresAttributes` ' +
    'covers the common features only. Roles are not looked up (RunTask does that); ' +
    'iam:PassRole is checked on both roles.',
  handle (input: RegisterTaskDefinitionRequest, ctx) {
    const request = withoutNulls(input)
    const scope = scopeOf(ctx)

    // The checked resource is the new revision's ARN, so a usable family comes first.
    const familyProblem = checkFamily(request.family)
    if (familyProblem !== undefined) throw clientError(familyProblem)
    const next = store(ctx).nextRevision(scope, request.family)
    const arn = arns.taskDefinition(scope, request.family, next)
    ctx.authorize(registerChecks(arn, request))

    const problem = validateTaskDefinition(request)
    if (problem !== undefined) throw clientError(problem)
    ctx.authorize(passedRoles(request, ctx.account).map(role => passRole(role, TASKS_PRINCIPAL)))

    const tags = request.tags ?? []
    const td = store(ctx).register(scope, request.family, revision => buildTaskDefinition(request, {
      scope, revision, registeredBy: ctx.principal.arn, now: ctx.now
    }))
    if (tags.length > 0) ctx.emulator.tags.tag(td.taskDefinitionArn, tags)
    ctx.log.info({ [F.resource]: td.taskDefinitionArn }, 'task definition registered')
    return { taskDefinition: td, tags }
  }
})

function registerChecks (arn: string, r: RegisterTaskDefinitionRequest): Check[] {
  const checks: Check[] = [
    { action: 'ecs:RegisterTaskDefinition', resource: arn, context: registerContext(r) }
  ]
  const tags = r.tags ?? []
  if (tags.length > 0) checks.push(tagOnCreate(arn, 'RegisterTaskDefinition', tags))
  return checks
}

const TASKS_PRINCIPAL = 'ecs-tasks.amazonaws.com'

/**
 * The roles registration passes to ECS tasks. (unconfirmed by AWS's documentation, which names
 * no dependent action; but AccessDenied for iam:PassRole from RegisterTaskDefinition is
 * reported in public issues: wellcomecollection/platform#374, aws/containers-roadmap#1390,
 * ministryofjustice/modernisation-platform#8443.)
 */
function passedRoles (r: RegisterTaskDefinitionRequest, account: string): string[] {
  const roles = [r.taskRoleArn, r.executionRoleArn]
    .filter((role): role is string => role !== undefined && role !== '')
    .map(role => expandRoleArn(role, account)!)
  return [...new Set(roles)]
}

interface DescribeTaskDefinitionRequest { taskDefinition: string, include?: string[] }

const DescribeTaskDefinition = operation({
  handle (input: DescribeTaskDefinitionRequest, ctx) {
    const td = resolveTaskDefinition(store(ctx), scopeOf(ctx), input.taskDefinition)
    if (td === undefined) throw clientError('Unable to describe task definition.')

    if (input.include?.includes('TAGS') !== true) return { taskDefinition: td }
    return { taskDefinition: td, tags: ctx.emulator.tags.list(td.taskDefinitionArn) }
  }
})

interface ListTaskDefinitionsRequest {
  familyPrefix?: string
  status?: TaskDefinitionStatus
  sort?: 'ASC' | 'DESC'
  nextToken?: string
  maxResults?: number
}

const ListTaskDefinitions = operation({
  handle (input: ListTaskDefinitionsRequest, ctx) {
    const all = store(ctx).arns(scopeOf(ctx), {
      family: input.familyPrefix,
      status: input.status ?? 'ACTIVE',
      descending: input.sort === 'DESC'
    })
    const page = paginate(all, input.maxResults, input.nextToken, PAGE)
    return { taskDefinitionArns: page.items, nextToken: page.nextToken }
  }
})

interface ListTaskDefinitionFamiliesRequest {
  familyPrefix?: string
  status?: FamilyStatus
  nextToken?: string
  maxResults?: number
}

const ListTaskDefinitionFamilies = operation({
  notes: 'Families whose revisions were all deleted stay listed as INACTIVE: revisions stay ' +
    'DELETE_IN_PROGRESS, as they do on AWS while tasks or services still use them.',
  handle (input: ListTaskDefinitionFamiliesRequest, ctx) {
    const all = store(ctx).families(scopeOf(ctx), input.familyPrefix ?? '', input.status ?? 'ALL')
    const page = paginate(all, input.maxResults, input.nextToken, PAGE)
    return { families: page.items, nextToken: page.nextToken }
  }
})

const DeregisterTaskDefinition = operation({
  handle (input: { taskDefinition: string }, ctx) {
    const scope = scopeOf(ctx)
    const ref = parseTaskDefinitionRef(input.taskDefinition, scope)
    // A revision must be named: ECS does not pick one (unconfirmed: the text of its refusal).
    const td = ref?.revision === undefined
      ? undefined
      : store(ctx).get(scope, ref.family, ref.revision)
    if (td === undefined) throw clientError(FAILURES.missing)

    const inactive = deregister(td, ctx.now)
    if (inactive !== td) store(ctx).save(scope, inactive)
    return { taskDefinition: inactive }
  }
})

const DeleteTaskDefinitions = operation({
  authorize: 'handler',
  notes: 'Deleted revisions stay DELETE_IN_PROGRESS (still describable and listed under that ' +
    'status); nothing removes them yet.',
  handle (input: { taskDefinitions: string[] }, ctx) {
    const scope = scopeOf(ctx)
    if (input.taskDefinitions.length > MAX_DELETIONS) {
      throw ecsErrors.tooMany('taskDefinitions', MAX_DELETIONS)
    }
    const targets = input.taskDefinitions.map(id => deletionTarget(id, scope))

    // Every named revision is authorized before any is touched.
    ctx.authorize(targets.flatMap(t => t.arn === undefined ? [] : [deleteCheck(t.arn, ctx)]))

    const taskDefinitions: Omit<TaskDefinition, 'deleteRequestedAt'>[] = []
    const failures: { arn: string, reason: string }[] = []
    for (const t of targets) {
      const outcome = deleteOne(t, scope, ctx)
      if ('reason' in outcome) failures.push(outcome)
      else taskDefinitions.push(outcome)
    }
    return { taskDefinitions, failures }
  }
})

interface DeletionTarget {
  id: string
  arn?: string
  family?: string
  revision?: number
  /** An ARN of another account or region. */
  foreign?: boolean
}

/** A task definition ARN of another account or region: well-formed, but not there. */
const FOREIGN_ARN = /^arn:[^:]+:ecs:[^:]+:[^:]+:task-definition\/[A-Za-z0-9_-]{1,255}:[1-9]\d*$/

function deletionTarget (id: string, scope: Scope): DeletionTarget {
  const ref = parseTaskDefinitionRef(id, scope)
  if (ref?.revision !== undefined) {
    const arn = arns.taskDefinition(scope, ref.family, ref.revision)
    return { id, arn, family: ref.family, revision: ref.revision }
  }
  return FOREIGN_ARN.test(id) ? { id, foreign: true } : { id }
}

const deleteCheck = (arn: string, ctx: OperationContext): Check => ({
  action: 'ecs:DeleteTaskDefinitions',
  resource: arn,
  context: resourceTagContext(ctx.emulator.tags.list(arn))
})

type DeleteOutcome = Omit<TaskDefinition, 'deleteRequestedAt'> | { arn: string, reason: string }

function deleteOne (t: DeletionTarget, scope: Scope, ctx: OperationContext): DeleteOutcome {
  if (t.foreign === true) return { arn: t.id, reason: FAILURES.missing }
  if (t.arn === undefined) return { arn: t.id, reason: FAILURES.invalid }
  const td = store(ctx).get(scope, t.family!, t.revision!)
  if (td === undefined) return { arn: t.arn, reason: FAILURES.missing }
  if (td.status === 'ACTIVE') return { arn: t.arn, reason: FAILURES.active }

  const deleting = requestDeletion(td, ctx.now)
  if (deleting !== td) store(ctx).save(scope, deleting)
  // AWS's own example of this response shows no deleteRequestedAt; DescribeTaskDefinition has it.
  const { deleteRequestedAt: _, ...shown } = deleting
  return shown
}

export const taskDefinitionOperations: Record<string, Operation> = {
  RegisterTaskDefinition,
  DescribeTaskDefinition,
  ListTaskDefinitions,
  ListTaskDefinitionFamilies,
  DeregisterTaskDefinition,
  DeleteTaskDefinitions
}
