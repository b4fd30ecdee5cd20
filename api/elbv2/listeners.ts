/**
 * CreateListener, DescribeListeners, ModifyListener and DeleteListener. Each listener has its
 * default rule (DescribeRules lists it, `IsDefault` true, priority `default`), kept with the
 * listener's default actions.
 */
import { operation, type OperationContext } from '../registry.js'
import { elbId, elbv2Arns } from '../../src/elbv2/arns.js'
import { checkActions, type ActionContext } from '../../src/elbv2/actions.js'
import { elbv2Errors, validationError } from '../../src/elbv2/errors.js'
import type { Action, Certificate, Listener, ListenerRecord, LoadBalancerRecord, RuleRecord, Tag,
  TargetGroupRecord } from '../../src/elbv2/types.js'
import { checkTags, createChecks, groupUsers, listener, loadBalancer, on, page, saveTags, scope,
  store } from './common.js'

const APP_PROTOCOLS = ['HTTP', 'HTTPS']
const NET_PROTOCOLS = ['TCP', 'TLS', 'UDP', 'TCP_UDP']

export function actionContext (ctx: OperationContext, lb: LoadBalancerRecord): ActionContext {
  const users = groupUsers(ctx)
  return {
    loadBalancer: lb.loadBalancer,
    targetGroup: arn => store(ctx).get<TargetGroupRecord>('target-group', arn),
    usersOf: arn => users.get(arn) ?? new Set()
  }
}

function checkProtocol (lb: LoadBalancerRecord, protocol: string, certificates: Certificate[] | undefined): void {
  const allowed = lb.loadBalancer.Type === 'network' ? NET_PROTOCOLS : APP_PROTOCOLS
  if (!allowed.includes(protocol)) {
    // (unconfirmed) wording
    throw elbv2Errors.incompatibleProtocols(`The protocol '${protocol}' is not supported by load balancers of type '${lb.loadBalancer.Type}'`)
  }
  if ((protocol === 'HTTPS' || protocol === 'TLS') && (certificates ?? []).length === 0) {
    // (unconfirmed) wording
    throw validationError(`A certificate must be specified for ${protocol} listeners`)
  }
}

const defaultRuleArn = (listenerArn: string): string => elbv2Arns.rule(listenerArn, elbId())

interface CreateListenerInput {
  LoadBalancerArn: string
  Protocol?: string
  Port?: number
  SslPolicy?: string
  Certificates?: Certificate[]
  DefaultActions: Action[]
  AlpnPolicy?: string[]
  Tags?: Tag[]
}

const CreateListener = operation({
  authorize: 'handler',
  notes: 'Served: HTTP and HTTPS listeners of application load balancers, TCP and TLS listeners of network load balancers (each connection relayed whole to a target; UDP and TCP_UDP ones are stored, not served). The certificate ARNs given are stored unchecked (ACM is not emulated): every HTTPS and TLS listener serves the emulator\'s own self-signed certificate for `*.REGION.elb.amazonaws.com` (`GET /_emulator/certificate`). Authenticate actions are refused.',
  handle (input: CreateListenerInput, ctx) {
    const lb = loadBalancer(ctx, input.LoadBalancerArn)
    checkTags(input.Tags)
    const protocol = input.Protocol ?? (lb.loadBalancer.Type === 'network' ? 'TCP' : 'HTTP')
    // (unconfirmed) wording
    if (input.Port === undefined) throw validationError('A listener port must be specified')
    checkProtocol(lb, protocol, input.Certificates)
    const arn = elbv2Arns.listener(input.LoadBalancerArn, elbId())
    ctx.authorize(createChecks('CreateListener', arn, input.Tags, {
      'elasticloadbalancing:ListenerProtocol': protocol,
      ...(input.SslPolicy === undefined ? {} : { 'elasticloadbalancing:SecurityPolicy': input.SslPolicy })
    }, input.LoadBalancerArn))

    const s = store(ctx)
    const existing = s.children<ListenerRecord>(input.LoadBalancerArn, 'listener').find(l => l.listener.Port === input.Port)
    if (existing !== undefined) throw elbv2Errors.duplicateListener(input.LoadBalancerArn)
    const actions = checkActions(input.DefaultActions, actionContext(ctx, lb))
    const l: Listener = {
      ListenerArn: arn, LoadBalancerArn: input.LoadBalancerArn, Port: input.Port, Protocol: protocol,
      Certificates: input.Certificates, DefaultActions: actions, AlpnPolicy: input.AlpnPolicy,
      SslPolicy: input.SslPolicy ?? (protocol === 'HTTPS' || protocol === 'TLS' ? 'ELBSecurityPolicy-2016-08' : undefined)
    }
    s.transaction(() => {
      s.save({ ...scope(ctx), kind: 'listener', listener: l })
      s.save({ ...scope(ctx), kind: 'rule', listenerArn: arn,
        rule: { RuleArn: defaultRuleArn(arn), Priority: 'default', Conditions: [], Actions: actions, IsDefault: true } })
    })
    saveTags(ctx, arn, input.Tags)
    return { Listeners: [l] }
  }
})

const DescribeListeners = operation({
  handle (input: { LoadBalancerArn?: string, ListenerArns?: string[], Marker?: string, PageSize?: number }, ctx) {
    let all: ListenerRecord[]
    if (input.ListenerArns !== undefined) {
      all = input.ListenerArns.map(arn => listener(ctx, arn))
      if (input.LoadBalancerArn !== undefined) all = all.filter(l => l.listener.LoadBalancerArn === input.LoadBalancerArn)
    } else if (input.LoadBalancerArn !== undefined) {
      loadBalancer(ctx, input.LoadBalancerArn)
      all = store(ctx).children<ListenerRecord>(input.LoadBalancerArn, 'listener')
    } else {
      // (unconfirmed) wording
      throw validationError('You must specify either listener ARNs or a load balancer ARN')
    }
    const p = page(all, input.Marker, input.PageSize)
    return { Listeners: p.items.map(l => l.listener), NextMarker: p.NextMarker }
  }
})

const ModifyListener = operation({
  authorize: 'handler',
  handle (input: Omit<CreateListenerInput, 'LoadBalancerArn' | 'Tags'> & { ListenerArn: string }, ctx) {
    const found = listener(ctx, input.ListenerArn)
    const lb = loadBalancer(ctx, found.listener.LoadBalancerArn)
    const protocol = input.Protocol ?? found.listener.Protocol
    ctx.authorize(on(ctx, 'ModifyListener', input.ListenerArn, {
      'elasticloadbalancing:ListenerProtocol': protocol,
      ...(input.SslPolicy === undefined ? {} : { 'elasticloadbalancing:SecurityPolicy': input.SslPolicy })
    }))
    const certificates = input.Certificates ?? found.listener.Certificates
    checkProtocol(lb, protocol, certificates)
    const s = store(ctx)
    if (input.Port !== undefined && input.Port !== found.listener.Port &&
      s.children<ListenerRecord>(lb.loadBalancer.LoadBalancerArn, 'listener').some(l => l.listener.Port === input.Port)) {
      throw elbv2Errors.portInUse(input.Port)
    }
    const actions = input.DefaultActions === undefined || input.DefaultActions.length === 0
      ? found.listener.DefaultActions
      : checkActions(input.DefaultActions, actionContext(ctx, lb))
    const l: Listener = {
      ...found.listener, Port: input.Port ?? found.listener.Port, Protocol: protocol, Certificates: certificates,
      SslPolicy: protocol === 'HTTPS' || protocol === 'TLS'
        ? (input.SslPolicy ?? found.listener.SslPolicy ?? 'ELBSecurityPolicy-2016-08')
        : undefined,
      DefaultActions: actions, AlpnPolicy: input.AlpnPolicy ?? found.listener.AlpnPolicy
    }
    const defaultRule = s.children<RuleRecord>(input.ListenerArn, 'rule').find(r => r.rule.IsDefault)
    s.transaction(() => {
      s.save({ ...found, listener: l })
      if (defaultRule !== undefined) s.save({ ...defaultRule, rule: { ...defaultRule.rule, Actions: actions } })
    })
    return { Listeners: [l] }
  }
})

const DeleteListener = operation({
  authorize: 'handler',
  handle (input: { ListenerArn: string }, ctx) {
    const found = listener(ctx, input.ListenerArn)
    ctx.authorize(on(ctx, 'DeleteListener', input.ListenerArn))
    const s = store(ctx)
    s.transaction(() => {
      for (const r of s.children<RuleRecord>(input.ListenerArn, 'rule')) {
        s.remove(r.rule.RuleArn)
        ctx.emulator.tags.drop(r.rule.RuleArn)
      }
      s.remove(found.listener.ListenerArn)
    })
    ctx.emulator.tags.drop(input.ListenerArn)
    return {}
  }
})

export const listenerOperations = { CreateListener, DescribeListeners, ModifyListener, DeleteListener }
