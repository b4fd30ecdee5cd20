/**
 * A service's history: ListServiceDeployments, DescribeServiceDeployments and
 * DescribeServiceRevisions, read from what the API and the scheduler record
 * (src/ecs/service-deployments.ts).
 */
import { AwsError } from '../errors.js'
import { operation, type Check, type OperationContext } from '../registry.js'
import { arns } from '../../src/ecs/arns.js'
import { activeCluster, clusterRef, resourceTags, scopeOf } from '../../src/ecs/context.js'
import { lookup, serviceArnOf, serviceCheck, serviceNotFound } from './services.js'
import { ecsErrors } from '../../src/ecs/errors.js'
import { paginate } from '../../src/ecs/pagination.js'
import { liveTasksOf, type ServiceRecord } from '../../src/ecs/service.js'
import {
  parseHistoryArn, revisionsOf, toWireServiceDeployment,
  toWireServiceDeploymentBrief, toWireServiceRevision, type ServiceDeploymentStatus
} from '../../src/ecs/service-deployments.js'
import { resolveTaskDefinition } from '../../src/ecs/task-definition.js'
import type { TaskRecord } from '../../src/ecs/task.js'

const invalid = (message: string): AwsError => new AwsError('InvalidParameterException', message)
// (unconfirmed) the limit and its text for both Describe calls
const MAX_ARNS = 20

const liveTasks = (ctx: OperationContext, s: ServiceRecord): TaskRecord[] => liveTasksOf(ctx.emulator.ecs.tasks, s)

interface ListServiceDeploymentsRequest {
  service: string
  cluster?: string
  status?: ServiceDeploymentStatus[]
  createdAt?: { before?: Date | number, after?: Date | number }
  maxResults?: number
  nextToken?: string
}

const seconds = (t: Date | number | undefined): number | undefined =>
  t === undefined ? undefined : t instanceof Date ? t.getTime() / 1000 : t

const ListServiceDeployments = operation({
  authorize: 'handler',
  notes: 'Service deployments are kept for the 50 newest rollouts of each service (AWS: 90 days).',
  handle (input: ListServiceDeploymentsRequest, ctx) {
    const ref = clusterRef(input.cluster, scopeOf(ctx))
    const arn = serviceArnOf(ctx, ref, input.service)
    ctx.authorize(serviceCheck(ctx, 'ecs:ListServiceDeployments', ref, arn))
    const s = lookup(ctx, activeCluster(ctx, ref), ref, input.service)
    if (s === undefined) throw serviceNotFound()
    const after = seconds(input.createdAt?.after)
    const before = seconds(input.createdAt?.before)
    const found = (s.serviceDeployments ?? []).filter(h =>
      (input.status === undefined || input.status.length === 0 || input.status.includes(h.status)) &&
      (after === undefined || h.createdAt >= after) && (before === undefined || h.createdAt <= before))
    const page = paginate(found, input.maxResults, input.nextToken, { fallback: 20, max: 100 })
    return { serviceDeployments: page.items.map(h => toWireServiceDeploymentBrief(s, h)), nextToken: page.nextToken }
  }
})

/** The service a history ARN names, in the caller's account and region. */
function serviceOfHistory (ctx: OperationContext, ref: NonNullable<ReturnType<typeof parseHistoryArn>>):
  ServiceRecord | undefined {
  if (ref.account !== ctx.account || ref.region !== ctx.region) return undefined
  return ctx.emulator.ecs.services.get(scopeOf(ctx), ref.cluster, ref.service)
}

function historyChecks (ctx: OperationContext, action: string, kind: 'service-deployment' | 'service-revision',
  given: string[]): NonNullable<ReturnType<typeof parseHistoryArn>>[] {
  if (given.length > MAX_ARNS) throw ecsErrors.tooMany(kind === 'service-deployment' ? 'serviceDeploymentArns' : 'serviceRevisionArns', MAX_ARNS)
  const refs = given.map(arn => {
    const ref = parseHistoryArn(arn, kind)
    // (unconfirmed) the text for an ARN that is not one of the kind
    if (ref === undefined) throw invalid(`Invalid ${kind} ARN: ${arn}`)
    return ref
  })
  ctx.authorize([...new Set(given)].map((arn, i) => {
    const ref = refs[i]
    const scope = { account: ref.account, region: ref.region }
    return {
      action,
      resource: arn,
      context: {
        ...resourceTags(ctx, arn),
        'ecs:cluster': arns.cluster(scope, ref.cluster),
        'ecs:service': arns.service(scope, ref.cluster, ref.service)
      } as Check['context']
    }
  }))
  return refs
}

const DescribeServiceDeployments = operation({
  authorize: 'handler',
  notes: 'Alarms are not emulated (`alarms.status` is DISABLED); lifecycle hooks are not served.',
  handle (input: { serviceDeploymentArns: string[] }, ctx) {
    const refs = historyChecks(ctx, 'ecs:DescribeServiceDeployments', 'service-deployment', input.serviceDeploymentArns)
    const found = []
    const failures = []
    for (const [i, ref] of refs.entries()) {
      const s = serviceOfHistory(ctx, ref)
      const h = s?.serviceDeployments?.find(x => x.id === ref.id)
      if (s === undefined || h === undefined) {
        failures.push({ arn: input.serviceDeploymentArns[i], reason: 'MISSING' })
        continue
      }
      found.push(toWireServiceDeployment(s, h, liveTasks(ctx, s)))
    }
    return { serviceDeployments: found, failures }
  }
})

const DescribeServiceRevisions = operation({
  authorize: 'handler',
  notes: '`containerImages` name the images as the task definition gives them, without digests.',
  handle (input: { serviceRevisionArns: string[] }, ctx) {
    const refs = historyChecks(ctx, 'ecs:DescribeServiceRevisions', 'service-revision', input.serviceRevisionArns)
    const found = []
    const failures = []
    for (const [i, ref] of refs.entries()) {
      const s = serviceOfHistory(ctx, ref)
      const r = s === undefined ? undefined : revisionsOf(s).get(ref.id)
      if (s === undefined || r === undefined) {
        failures.push({ arn: input.serviceRevisionArns[i], reason: 'MISSING' })
        continue
      }
      const td = resolveTaskDefinition(ctx.emulator.ecs.taskDefinitions, scopeOf(ctx), r.taskDefinition)
      const images = (td?.containerDefinitions ?? []).map(c => ({ containerName: c.name ?? '', image: c.image ?? '' }))
      found.push(toWireServiceRevision(s, r, images))
    }
    return { serviceRevisions: found, failures }
  }
})

export const serviceDeploymentOperations = {
  ListServiceDeployments, DescribeServiceDeployments, DescribeServiceRevisions
}
