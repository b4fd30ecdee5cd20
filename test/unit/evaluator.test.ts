import { describe, expect, it } from 'vitest'
import { evaluate } from '../../src/iam/evaluator.js'
import type {
  Decision,
  Policy,
  PolicyKind,
  PolicySet,
  PolicyStatement,
  Principal,
  RequestContext,
} from '../../src/iam/policy.js'

// ---------------------------------------------------------------- fixtures

const ACCT = '123456789012'
const OTHER = '999988887777'
const REGION = 'us-east-1'

const ecsArn = (resource: string) => `arn:aws:ecs:${REGION}:${ACCT}:${resource}`
const iamArn = (resource: string) => `arn:aws:iam::${ACCT}:${resource}`
const repoArn = (name: string) => `arn:aws:ecr:${REGION}:${ACCT}:repository/${name}`
const ROOT = iamArn('root')
const APP_ROLE = iamArn('role/app')
const TARGET_ROLE = iamArn('role/target')
const EXEC_ROLE = iamArn('role/ecsTaskExecutionRole')
const PROD = ecsArn('cluster/prod')

function user(name: string): Principal {
  const id = `AIDA${name.toUpperCase()}`
  const arn = iamArn(`user/${name}`)
  return { type: 'user', arn, account: ACCT, userName: name, userId: id }
}

function session(role: string, name: string, path = ''): Principal {
  return {
    type: 'assumed-role',
    arn: `arn:aws:sts::${ACCT}:assumed-role/${role}/${name}`,
    account: ACCT,
    roleArn: iamArn(`role/${path}${role}`),
    userId: `AROA${role.toUpperCase()}:${name}`,
  }
}

function service(name: string): Principal {
  return { type: 'service', arn: name, account: ACCT, userId: name }
}

const alice = user('alice')
const bob = user('bob')
const app = session('app', 'worker-1')
const root: Principal = { type: 'root', arn: ROOT, account: ACCT, userId: ACCT }
const ecsTasks = service('ecs-tasks.amazonaws.com')
const ec2 = service('ec2.amazonaws.com')

type Statement = PolicyStatement
type Extra = Partial<Statement>

type Actions = Statement['Action']
type Resources = Statement['Resource']

const allow = (Sid: string, Action: Actions, Resource: Resources = '*', extra: Extra = {}):
  Statement => ({ Sid, Effect: 'Allow', Action, Resource, ...extra })

const deny = (Sid: string, Action: Actions, Resource: Resources = '*', extra: Extra = {}):
  Statement => ({ Sid, Effect: 'Deny', Action, Resource, ...extra })

function policy(kind: PolicyKind, id: string, ...Statement: Statement[]): Policy {
  return { kind, id, document: { Version: '2012-10-17', Statement } }
}

const identity = (id: string, ...s: Statement[]) => policy('identity', id, ...s)
const boundary = (id: string, ...s: Statement[]) => policy('boundary', id, ...s)
const sessionPolicy = (id: string, ...s: Statement[]) => policy('session', id, ...s)
const resourcePolicy = (id: string, ...s: Statement[]) => policy('resource', id, ...s)
const trust = (...s: Statement[]) => policy('trust', 'trust', ...s)

/** A trust policy statement (no Resource). */
function trusts(Sid: string, Principal: Statement['Principal'], extra: Extra = {}):
  Statement {
  return { Sid, Effect: 'Allow', Principal, Action: 'sts:AssumeRole', ...extra }
}

const assumeOwnRole = identity('assume',
  allow('AssumeTarget', 'sts:AssumeRole', TARGET_ROLE))

/** One identity policy `p` holding the statements. */
const only = (...s: Statement[]): Partial<PolicySet> =>
  ({ identity: [identity('p', ...s)] })

// ---------------------------------------------------------------- the row runner

interface Row {
  it: string
  as?: Principal
  action: string
  resource?: string
  context?: RequestContext
  policies: Partial<PolicySet>
  expect: Decision['decision']
  /** `policyId/statementRef` of the deciding statement. */
  by?: string
  missing?: PolicyKind
  /** `policyId/statementRef` and a pattern its reason must match. */
  unevaluable?: [string, RegExp][]
}

function kindOf(set: PolicySet, id: string): PolicyKind | undefined {
  const all = [...set.identity, ...(set.resource ?? []), ...(set.boundary ?? []),
    ...(set.session ?? [])]
  return all.find((p) => p.id === id)?.kind
}

function check(row: Row): void {
  const set: PolicySet = { identity: [], ...row.policies }
  const request = {
    principal: row.as ?? alice,
    action: row.action,
    resource: row.resource ?? '*',
    context: row.context ?? {},
  }
  const decision = evaluate(request, set)
  const by = decision.decidedBy
  expect(decision.decision).toBe(row.expect)
  expect(by && `${by.policy}/${by.statement}`).toBe(row.by)
  if (by) expect(by.kind).toBe(kindOf(set, by.policy))
  expect(decision.missingAllowIn).toBe(row.missing)
  const expected = row.unevaluable ?? []
  expect(decision.unevaluable.map((u) => `${u.policy}/${u.statement}`))
    .toEqual(expected.map(([ref]) => ref))
  decision.unevaluable.forEach((u, i) => expect(u.reason).toMatch(expected[i][1]))
}

function table(title: string, rows: Row[]): void {
  describe(title, () => {
    for (const row of rows) it(row.it, () => check(row))
  })
}

// ---------------------------------------------------------------- actions and resources

table('Action and Resource matching', [
  {
    it: 'allows an action named exactly',
    action: 'ecs:ListClusters',
    policies: only(allow('List', 'ecs:ListClusters')),
    expect: 'Allow',
    by: 'p/List',
  },
  {
    it: 'matches actions case-insensitively',
    action: 'ecs:ListClusters',
    policies: only(allow('List', 'ECS:listclusters')),
    expect: 'Allow',
    by: 'p/List',
  },
  {
    it: 'matches a trailing wildcard in the action name',
    action: 'ecs:DescribeServices',
    policies: only(allow('Read', ['ecs:List*', 'ecs:Describe*'])),
    expect: 'Allow',
    by: 'p/Read',
  },
  {
    it: 'does not let a wildcard for one service match another service',
    action: 'ecs:RunTask',
    policies: only(allow('Ec2', 'ec2:*')),
    expect: 'ImplicitDeny',
    missing: 'identity',
  },
  {
    it: 'matches ? to exactly one character of an action',
    action: 'ecs:RunTask',
    policies: only(allow('Q', 'ecs:?unTask')),
    expect: 'Allow',
    by: 'p/Q',
  },
  {
    it: 'does not let ? match a missing character',
    action: 'ecs:RunTask',
    policies: only(allow('Q', 'ecs:RunTask?')),
    expect: 'ImplicitDeny',
    missing: 'identity',
  },
  {
    it: 'treats a dot in an action pattern literally',
    action: 'ecs:RunTask',
    policies: only(allow('Dot', 'ecs:Run.*')),
    expect: 'ImplicitDeny',
    missing: 'identity',
  },
  {
    it: 'matches ? to one character of a resource',
    action: 'ecs:DescribeClusters',
    resource: ecsArn('cluster/prod-1'),
    policies: only(allow('Q', 'ecs:*', ecsArn('cluster/prod-?'))),
    expect: 'Allow',
    by: 'p/Q',
  },
  {
    it: 'does not let ? in a resource match two characters',
    action: 'ecs:DescribeClusters',
    resource: ecsArn('cluster/prod-10'),
    policies: only(allow('Q', 'ecs:*', ecsArn('cluster/prod-?'))),
    expect: 'ImplicitDeny',
    missing: 'identity',
  },
  {
    it: 'lets * in a resource match across colons and slashes',
    action: 'ecs:UpdateService',
    resource: ecsArn('service/prod/web'),
    policies: only(allow('AllEcs', 'ecs:*', 'arn:aws:ecs:*')),
    expect: 'Allow',
    by: 'p/AllEcs',
  },
  {
    it: 'matches resources case-sensitively',
    action: 'ecs:DescribeClusters',
    resource: PROD,
    policies: only(allow('Prod', 'ecs:*', ecsArn('cluster/Prod'))),
    expect: 'ImplicitDeny',
    missing: 'identity',
  },
  {
    it: 'treats a dot in a resource pattern literally',
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::myxbucket/key',
    policies: only(allow('Dot', 's3:*', 'arn:aws:s3:::my.bucket/*')),
    expect: 'ImplicitDeny',
    missing: 'identity',
  },
  {
    it: 'matches a resource containing regex metacharacters exactly',
    action: 'ecr:BatchGetImage',
    resource: repoArn('app+(v1)[x]'),
    policies: only(allow('Meta', 'ecr:*', repoArn('app+(v1)[x]'))),
    expect: 'Allow',
    by: 'p/Meta',
  },
  {
    it: 'does not read + in a resource pattern as a regex quantifier',
    action: 'ecr:BatchGetImage',
    resource: repoArn('appp(v1)'),
    policies: only(allow('Meta', 'ecr:*', repoArn('app+(v1)'))),
    expect: 'ImplicitDeny',
    missing: 'identity',
  },
  {
    it: 'allows every action but IAM through NotAction',
    action: 'ecs:RunTask',
    resource: ecsArn('task-definition/web:1'),
    policies: only({ Sid: 'NotIam', Effect: 'Allow', NotAction: 'iam:*',
      Resource: '*' }),
    expect: 'Allow',
    by: 'p/NotIam',
  },
  {
    it: 'does not allow an action excluded by NotAction',
    action: 'iam:CreateUser',
    policies: only({ Sid: 'NotIam', Effect: 'Allow', NotAction: 'iam:*',
      Resource: '*' }),
    expect: 'ImplicitDeny',
    missing: 'identity',
  },
  {
    it: 'allows resources outside NotResource',
    action: 'ecs:DeleteCluster',
    resource: ecsArn('cluster/dev'),
    policies: only({ Sid: 'NotProd', Effect: 'Allow', Action: 'ecs:*',
      NotResource: PROD }),
    expect: 'Allow',
    by: 'p/NotProd',
  },
  {
    it: 'does not allow the resource named in NotResource',
    action: 'ecs:DeleteCluster',
    resource: PROD,
    policies: only({ Sid: 'NotProd', Effect: 'Allow', Action: 'ecs:*',
      NotResource: PROD }),
    expect: 'ImplicitDeny',
    missing: 'identity',
  },
  {
    it: 'names a statement without a Sid by its index',
    action: 'ecs:ListClusters',
    policies: only(allow('Other', 's3:*'),
      { Effect: 'Allow', Action: 'ecs:*', Resource: '*' }),
    expect: 'Allow',
    by: 'p/#1',
  },
])

// ---------------------------------------------------------------- ECS examples

const runWebInProd = identity('run-web', allow('RunWebInProd', 'ecs:RunTask',
  ecsArn('task-definition/web:*'), { Condition: { ArnEquals: { 'ecs:cluster': PROD } } }))

const passToEcs = identity('pass', allow('PassExecRole', 'iam:PassRole', EXEC_ROLE,
  { Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } } }))

const teamServices = identity('team', allow('OwnTeam', 'ecs:UpdateService',
  ecsArn('service/*'), {
    Condition: { StringEquals: { 'aws:ResourceTag/team': '${aws:PrincipalTag/team}' } },
  }))

const tagKeys = identity('tags', allow('AllowedKeys', 'ecs:CreateService', '*',
  { Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env', 'team'] } } }))

const requireProjectTag = identity('tagging', allow('Create', 'ecs:CreateCluster'),
  deny('RequireProject', 'ecs:CreateCluster', '*',
    { Condition: { Null: { 'aws:RequestTag/project': 'true' } } }))

table('ECS policy examples', [
  {
    it: 'allows RunTask of the web task definition in the cluster named by ecs:cluster',
    action: 'ecs:RunTask',
    resource: ecsArn('task-definition/web:3'),
    context: { 'ecs:cluster': PROD },
    policies: { identity: [runWebInProd] },
    expect: 'Allow',
    by: 'run-web/RunWebInProd',
  },
  {
    it: 'denies RunTask outside the cluster named by ecs:cluster',
    action: 'ecs:RunTask',
    resource: ecsArn('task-definition/web:3'),
    context: { 'ecs:cluster': ecsArn('cluster/dev') },
    policies: { identity: [runWebInProd] },
    expect: 'ImplicitDeny',
    missing: 'identity',
  },
  {
    it: 'denies RunTask of a task definition the Resource does not name',
    action: 'ecs:RunTask',
    resource: ecsArn('task-definition/worker:1'),
    context: { 'ecs:cluster': PROD },
    policies: { identity: [runWebInProd] },
    expect: 'ImplicitDeny',
    missing: 'identity',
  },
  {
    it: 'does not let the web:* pattern match the web-admin family',
    action: 'ecs:RunTask',
    resource: ecsArn('task-definition/web-admin:1'),
    context: { 'ecs:cluster': PROD },
    policies: { identity: [runWebInProd] },
    expect: 'ImplicitDeny',
    missing: 'identity',
  },
  {
    it: 'denies RunTask when the request carries no ecs:cluster',
    action: 'ecs:RunTask',
    resource: ecsArn('task-definition/web:3'),
    policies: { identity: [runWebInProd] },
    expect: 'ImplicitDeny',
    missing: 'identity',
  },
  {
    it: 'allows passing the execution role to ecs-tasks.amazonaws.com',
    action: 'iam:PassRole',
    resource: EXEC_ROLE,
    context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
    policies: { identity: [passToEcs] },
    expect: 'Allow',
    by: 'pass/PassExecRole',
  },
  {
    it: 'denies passing the execution role to another service',
    action: 'iam:PassRole',
    resource: EXEC_ROLE,
    context: { 'iam:PassedToService': 'ec2.amazonaws.com' },
    policies: { identity: [passToEcs] },
    expect: 'ImplicitDeny',
    missing: 'identity',
  },
  {
    it: 'denies passing a role the policy does not name',
    action: 'iam:PassRole',
    resource: iamArn('role/admin'),
    context: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
    policies: { identity: [passToEcs] },
    expect: 'ImplicitDeny',
    missing: 'identity',
  },
  {
    it: 'allows UpdateService on services tagged with the caller team',
    action: 'ecs:UpdateService',
    resource: ecsArn('service/prod/web'),
    context: { 'aws:ResourceTag/team': 'payments', 'aws:PrincipalTag/team': 'payments' },
    policies: { identity: [teamServices] },
    expect: 'Allow',
    by: 'team/OwnTeam',
  },
  {
    it: 'denies UpdateService on services of another team',
    action: 'ecs:UpdateService',
    resource: ecsArn('service/prod/web'),
    context: { 'aws:ResourceTag/team': 'search', 'aws:PrincipalTag/team': 'payments' },
    policies: { identity: [teamServices] },
    expect: 'ImplicitDeny',
    missing: 'identity',
  },
  {
    it: 'allows CreateService whose tag keys all come from the allowed set',
    action: 'ecs:CreateService',
    context: { 'aws:TagKeys': ['env'] },
    policies: { identity: [tagKeys] },
    expect: 'Allow',
    by: 'tags/AllowedKeys',
  },
  {
    it: 'denies CreateService with a tag key outside the allowed set',
    action: 'ecs:CreateService',
    context: { 'aws:TagKeys': ['env', 'owner'] },
    policies: { identity: [tagKeys] },
    expect: 'ImplicitDeny',
    missing: 'identity',
  },
  {
    it: 'allows CreateService without tags under ForAllValues, as AWS warns',
    action: 'ecs:CreateService',
    policies: { identity: [tagKeys] },
    expect: 'Allow',
    by: 'tags/AllowedKeys',
  },
  {
    it: 'denies CreateCluster without a project request tag',
    action: 'ecs:CreateCluster',
    policies: { identity: [requireProjectTag] },
    expect: 'ExplicitDeny',
    by: 'tagging/RequireProject',
  },
  {
    it: 'allows CreateCluster with a project request tag',
    action: 'ecs:CreateCluster',
    context: { 'aws:RequestTag/project': 'atlas' },
    policies: { identity: [requireProjectTag] },
    expect: 'Allow',
    by: 'tagging/Create',
  },
])

// ---------------------------------------------------------------- explicit deny

const adminOnlyIam = identity('guard', allow('Everything', '*'),
  { Sid: 'DenyAllButIam', Effect: 'Deny', NotAction: 'iam:*', Resource: '*' })

const regionGuard = identity('regions', allow('Everything', '*'),
  { Sid: 'DenyOtherRegions', Effect: 'Deny', NotAction: ['iam:*', 'sts:*'], Resource: '*',
    Condition: { StringNotEquals: { 'aws:RequestedRegion': ['us-east-1', 'eu-west-1'] } },
  })

table('Explicit deny', [
  {
    it: 'lets an explicit deny override an allow',
    action: 'ecs:DeleteCluster',
    resource: PROD,
    policies: { identity: [identity('p', allow('All', 'ecs:*')),
      identity('q', deny('KeepProd', 'ecs:DeleteCluster', PROD))] },
    expect: 'ExplicitDeny',
    by: 'q/KeepProd',
  },
  {
    it: 'does not apply a deny whose Resource does not match',
    action: 'ecs:DeleteCluster',
    resource: ecsArn('cluster/dev'),
    policies: only(allow('All', 'ecs:*'),
      deny('KeepProd', 'ecs:DeleteCluster', PROD)),
    expect: 'Allow',
    by: 'p/All',
  },
  {
    it: 'denies everything except IAM with a NotAction deny',
    action: 'ecs:RunTask',
    policies: { identity: [adminOnlyIam] },
    expect: 'ExplicitDeny',
    by: 'guard/DenyAllButIam',
  },
  {
    it: 'lets IAM actions pass a NotAction deny of everything else',
    action: 'iam:GetUser',
    policies: { identity: [adminOnlyIam] },
    expect: 'Allow',
    by: 'guard/Everything',
  },
  {
    it: 'denies requests outside the approved Regions',
    action: 'ecs:RunTask',
    context: { 'aws:RequestedRegion': 'ap-south-1' },
    policies: { identity: [regionGuard] },
    expect: 'ExplicitDeny',
    by: 'regions/DenyOtherRegions',
  },
  {
    it: 'allows requests in any of the approved Regions',
    action: 'ecs:RunTask',
    context: { 'aws:RequestedRegion': 'eu-west-1' },
    policies: { identity: [regionGuard] },
    expect: 'Allow',
    by: 'regions/Everything',
  },
  {
    it: 'exempts global services named in the NotAction of a Region deny',
    action: 'iam:ListRoles',
    context: { 'aws:RequestedRegion': 'ap-south-1' },
    policies: { identity: [regionGuard] },
    expect: 'Allow',
    by: 'regions/Everything',
  },
])

// ---------------------------------------------------------------- boundaries and sessions

const shirleyBoundary = boundary('arn:aws:iam::123456789012:policy/XCompanyBoundaries',
  allow('ServiceBoundaries', ['s3:*', 'cloudwatch:*', 'ec2:*']),
  deny('DenyS3Logs', 's3:*', ['arn:aws:s3:::logs', 'arn:aws:s3:::logs/*']))

const shirleyPolicies = identity('shirley', allow('CreateUsers', 'iam:CreateUser'),
  allow('Ec2', 'ec2:*'), allow('S3', 's3:*'))

const roleEcs = identity('role-ecs', allow('AllEcs', 'ecs:*'))
const readOnlySession = sessionPolicy('session',
  allow('ReadOnly', ['ecs:Describe*', 'ecs:List*']))

table('Permissions boundaries and session policies', [
  {
    it: 'limits identity permissions to the permissions boundary',
    action: 'iam:CreateUser',
    resource: iamArn('user/new'),
    policies: { identity: [shirleyPolicies], boundary: [shirleyBoundary] },
    expect: 'ImplicitDeny',
    missing: 'boundary',
  },
  {
    it: 'allows what both the identity policy and the boundary allow',
    action: 'ec2:DescribeInstances',
    policies: { identity: [shirleyPolicies], boundary: [shirleyBoundary] },
    expect: 'Allow',
    by: 'shirley/Ec2',
  },
  {
    it: 'applies an explicit deny in the permissions boundary',
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::logs/2024/01.log',
    policies: { identity: [shirleyPolicies], boundary: [shirleyBoundary] },
    expect: 'ExplicitDeny',
    by: 'arn:aws:iam::123456789012:policy/XCompanyBoundaries/DenyS3Logs',
  },
  {
    it: 'grants nothing from a permissions boundary alone',
    action: 'ec2:DescribeInstances',
    policies: { identity: [], boundary: [shirleyBoundary] },
    expect: 'ImplicitDeny',
    missing: 'identity',
  },
  {
    it: 'limits a role session to its session policy',
    as: app,
    action: 'ecs:RunTask',
    policies: { identity: [roleEcs], session: [readOnlySession] },
    expect: 'ImplicitDeny',
    missing: 'session',
  },
  {
    it: 'allows what both the role policy and the session policy allow',
    as: app,
    action: 'ecs:DescribeTasks',
    policies: { identity: [roleEcs], session: [readOnlySession] },
    expect: 'Allow',
    by: 'role-ecs/AllEcs',
  },
  {
    it: 'grants nothing from a session policy alone',
    as: app,
    action: 'ecs:DescribeTasks',
    policies: { identity: [], session: [readOnlySession] },
    expect: 'ImplicitDeny',
    missing: 'identity',
  },
  {
    it: 'applies an explicit deny in a session policy',
    as: app,
    action: 'ecs:StopTask',
    policies: { identity: [roleEcs], session: [sessionPolicy('session', allow('All', '*'),
      deny('NoStop', 'ecs:StopTask'))] },
    expect: 'ExplicitDeny',
    by: 'session/NoStop',
  },
  {
    it: 'checks the boundary before the session policy',
    as: app,
    action: 'ecs:RunTask',
    policies: { identity: [roleEcs], boundary: [boundary('b', allow('S3', 's3:*'))],
      session: [readOnlySession] },
    expect: 'ImplicitDeny',
    missing: 'boundary',
  },
])

// ---------------------------------------------------------------- role trust policies

const trustEcsTasks = trust(trusts('EcsTasks', { Service: 'ecs-tasks.amazonaws.com' }))

const confusedDeputy = trust(trusts('EcsTasks', { Service: 'ecs-tasks.amazonaws.com' }, {
  Condition: {
    ArnLike: { 'aws:SourceArn': `arn:aws:ecs:${REGION}:${ACCT}:*` },
    StringEquals: { 'aws:SourceAccount': ACCT },
  },
}))

const trustRoot = trust(trusts('Account', { AWS: ROOT }))
const assume = { action: 'sts:AssumeRole', resource: TARGET_ROLE }

table('Role trust policies', [
  {
    it: 'lets ecs-tasks.amazonaws.com assume a role that trusts it',
    as: ecsTasks,
    ...assume,
    policies: { resource: [trustEcsTasks] },
    expect: 'Allow',
    by: 'trust/EcsTasks',
  },
  {
    it: 'does not let ec2.amazonaws.com assume a role that trusts only ECS tasks',
    as: ec2,
    ...assume,
    policies: { resource: [trustEcsTasks] },
    expect: 'ImplicitDeny',
    missing: 'trust',
  },
  {
    it: 'lets ec2.amazonaws.com assume a role trusting a list of services',
    as: ec2,
    ...assume,
    policies: { resource: [trust(trusts('Services',
      { Service: ['ecs-tasks.amazonaws.com', 'ec2.amazonaws.com'] }))] },
    expect: 'Allow',
    by: 'trust/Services',
  },
  {
    it: 'admits ECS tasks of this account under the confused-deputy conditions',
    as: ecsTasks,
    ...assume,
    context: { 'aws:SourceArn': ecsArn('task/prod/0123abcd'), 'aws:SourceAccount': ACCT },
    policies: { resource: [confusedDeputy] },
    expect: 'Allow',
    by: 'trust/EcsTasks',
  },
  {
    it: 'refuses ECS acting for another account under the confused-deputy conditions',
    as: ecsTasks,
    ...assume,
    context: { 'aws:SourceArn': `arn:aws:ecs:${REGION}:${OTHER}:task/x/1`,
      'aws:SourceAccount': OTHER },
    policies: { resource: [confusedDeputy] },
    expect: 'ImplicitDeny',
    missing: 'trust',
  },
  {
    it: 'refuses a service call without aws:SourceArn under confused-deputy conditions',
    as: ecsTasks,
    ...assume,
    context: { 'aws:SourceAccount': ACCT },
    policies: { resource: [confusedDeputy] },
    expect: 'ImplicitDeny',
    missing: 'trust',
  },
  {
    it: 'lets a user named in the trust policy assume the role without identity policy',
    ...assume,
    policies: { resource: [trust(trusts('Alice', { AWS: alice.arn }))] },
    expect: 'Allow',
    by: 'trust/Alice',
  },
  {
    it: 'requires identity permission when the trust policy names the account root',
    ...assume,
    policies: { resource: [trustRoot] },
    expect: 'ImplicitDeny',
    missing: 'identity',
  },
  {
    it: 'allows a trusted account whose identity policy allows sts:AssumeRole on the role',
    ...assume,
    policies: { identity: [assumeOwnRole], resource: [trustRoot] },
    expect: 'Allow',
    by: 'assume/AssumeTarget',
  },
  {
    it: 'reads a bare account id in the trust policy as the account root',
    ...assume,
    policies: { resource: [trust(trusts('Account', { AWS: ACCT }))] },
    expect: 'ImplicitDeny',
    missing: 'identity',
  },
  {
    it: 'requires identity permission when the trust policy names every principal',
    ...assume,
    policies: { resource: [trust(trusts('Anyone', '*'))] },
    expect: 'ImplicitDeny',
    missing: 'identity',
  },
  {
    it: 'refuses a user when the trust policy names another user',
    ...assume,
    policies: { identity: [assumeOwnRole],
      resource: [trust(trusts('Bob', { AWS: bob.arn }))] },
    expect: 'ImplicitDeny',
    missing: 'trust',
  },
  {
    it: 'refuses a trusted account of another id',
    ...assume,
    policies: { identity: [assumeOwnRole],
      resource: [trust(trusts('Other', { AWS: OTHER }))] },
    expect: 'ImplicitDeny',
    missing: 'trust',
  },
  {
    it: 'lets a session of the role named in the trust policy assume the role',
    as: app,
    ...assume,
    policies: { resource: [trust(trusts('App', { AWS: APP_ROLE }))] },
    expect: 'Allow',
    by: 'trust/App',
  },
  {
    it: 'lets the session named by its session ARN assume the role',
    as: app,
    ...assume,
    policies: { resource: [trust(trusts('Session', { AWS: app.arn }))] },
    expect: 'Allow',
    by: 'trust/Session',
  },
  {
    it: 'matches a role with a path to its sessions',
    as: session('deployer', 'ci', 'service-role/'),
    ...assume,
    policies: { resource: [trust(trusts('Deployer',
      { AWS: iamArn('role/service-role/deployer') }))] },
    expect: 'Allow',
    by: 'trust/Deployer',
  },
  {
    it: 'still limits a grant to the role ARN by the session permissions boundary',
    as: app,
    ...assume,
    policies: { resource: [trust(trusts('App', { AWS: APP_ROLE }))],
      boundary: [boundary('b', allow('S3', 's3:*'))] },
    expect: 'ImplicitDeny',
    missing: 'boundary',
  },
  {
    it: 'does not limit a grant to the user ARN by the user permissions boundary',
    ...assume,
    policies: { resource: [trust(trusts('Alice', { AWS: alice.arn }))],
      boundary: [boundary('b', allow('S3', 's3:*'))] },
    expect: 'Allow',
    by: 'trust/Alice',
  },
  {
    it: 'applies an explicit deny in the role trust policy',
    ...assume,
    policies: { identity: [assumeOwnRole], resource: [trust(
      trusts('Account', { AWS: ROOT }),
      { Sid: 'NotAlice', Effect: 'Deny', Principal: { AWS: alice.arn },
        Action: 'sts:AssumeRole' })] },
    expect: 'ExplicitDeny',
    by: 'trust/NotAlice',
  },
  {
    it: 'lets an identity deny of sts:AssumeRole override a trust that names the user',
    ...assume,
    policies: { identity: [identity('p', deny('NoAssume', 'sts:AssumeRole'))],
      resource: [trust(trusts('Alice', { AWS: alice.arn }))] },
    expect: 'ExplicitDeny',
    by: 'p/NoAssume',
  },
  {
    it: 'never matches a Federated principal for an IAM user',
    ...assume,
    policies: { identity: [assumeOwnRole],
      resource: [trust(trusts('Web', { Federated: 'cognito-identity.amazonaws.com' }))] },
    expect: 'ImplicitDeny',
    missing: 'trust',
  },
])

// ---------------------------------------------------------------- resource-based policies

const pull = { action: 'ecr:BatchGetImage', resource: repoArn('web') }
const pullActions = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']

const repoPolicy = (Principal: Statement['Principal']) =>
  resourcePolicy('repo', { Sid: 'Pull', Effect: 'Allow', Principal, Action: pullActions })

const sparedAlice = (names: string[]) => resourcePolicy('repo', {
  Sid: 'OnlyAlice', Effect: 'Deny', NotPrincipal: { AWS: names }, Action: 'ecr:*' })

const ecrRead = identity('ecr', allow('Read', 'ecr:*'))

table('Resource-based policies', [
  {
    it: 'lets a repository policy naming the user grant pull on its own',
    ...pull,
    policies: { resource: [repoPolicy({ AWS: alice.arn })] },
    expect: 'Allow',
    by: 'repo/Pull',
  },
  {
    it: 'defers to identity policies when the repository policy names the account',
    ...pull,
    policies: { resource: [repoPolicy({ AWS: ROOT })] },
    expect: 'ImplicitDeny',
    missing: 'identity',
  },
  {
    it: 'allows through identity policies when the repository policy names the account',
    ...pull,
    policies: { identity: [ecrRead], resource: [repoPolicy({ AWS: ROOT })] },
    expect: 'Allow',
    by: 'ecr/Read',
  },
  {
    it: 'lets a grant to the session ARN pass a session policy that does not allow it',
    as: app,
    ...pull,
    policies: { resource: [repoPolicy({ AWS: app.arn })], session: [readOnlySession] },
    expect: 'Allow',
    by: 'repo/Pull',
  },
  {
    it: 'lets a grant to the role ARN allow its sessions without identity permission',
    as: app,
    ...pull,
    policies: { resource: [repoPolicy({ AWS: APP_ROLE })] },
    expect: 'Allow',
    by: 'repo/Pull',
  },
  {
    it: 'limits a grant to the role ARN by the session policy',
    as: app,
    ...pull,
    policies: { resource: [repoPolicy({ AWS: APP_ROLE })], session: [readOnlySession] },
    expect: 'ImplicitDeny',
    missing: 'session',
  },
  {
    it: 'applies an explicit deny in a repository policy over an identity allow',
    ...pull,
    policies: { identity: [ecrRead], resource: [resourcePolicy('repo', { Sid: 'NoAlice',
      Effect: 'Deny', Principal: { AWS: alice.arn }, Action: 'ecr:*' })] },
    expect: 'ExplicitDeny',
    by: 'repo/NoAlice',
  },
  {
    it: 'ignores a repository deny aimed at another principal',
    ...pull,
    policies: { identity: [ecrRead], resource: [resourcePolicy('repo', { Sid: 'NoBob',
      Effect: 'Deny', Principal: { AWS: bob.arn }, Action: 'ecr:*' })] },
    expect: 'Allow',
    by: 'ecr/Read',
  },
  {
    it: 'spares the user a NotPrincipal deny lists together with its account',
    ...pull,
    policies: { identity: [ecrRead], resource: [sparedAlice([alice.arn, ROOT])] },
    expect: 'Allow',
    by: 'ecr/Read',
  },
  {
    it: 'denies other users through a NotPrincipal deny',
    as: bob,
    ...pull,
    policies: { identity: [ecrRead], resource: [sparedAlice([alice.arn, ROOT])] },
    expect: 'ExplicitDeny',
    by: 'repo/OnlyAlice',
  },
  {
    it: 'denies the user a NotPrincipal deny lists without its account',
    ...pull,
    policies: { identity: [ecrRead], resource: [sparedAlice([alice.arn])] },
    expect: 'ExplicitDeny',
    by: 'repo/OnlyAlice',
  },
  {
    it: 'always denies a principal with a permissions boundary through NotPrincipal',
    ...pull,
    policies: { identity: [ecrRead], resource: [sparedAlice([alice.arn, ROOT])],
      boundary: [boundary('b', allow('All', '*'))] },
    expect: 'ExplicitDeny',
    by: 'repo/OnlyAlice',
  },
  {
    it: 'needs a resource-based policy to allow a service principal',
    as: ecsTasks,
    ...pull,
    policies: {},
    expect: 'ImplicitDeny',
    missing: 'resource',
  },
  {
    it: 'lets a repository policy grant a service principal it names',
    as: ecsTasks,
    ...pull,
    policies: { resource: [repoPolicy({ Service: 'ecs-tasks.amazonaws.com' })] },
    expect: 'Allow',
    by: 'repo/Pull',
  },
])

// ---------------------------------------------------------------- root, GetCallerIdentity

table('Root user and GetCallerIdentity', [
  {
    it: 'allows the root user everything without any policy',
    as: root,
    action: 'ecs:DeleteCluster',
    resource: PROD,
    policies: {},
    expect: 'Allow',
  },
  {
    it: 'denies the root user through an explicit deny in a resource-based policy',
    as: root,
    ...pull,
    policies: { resource: [resourcePolicy('repo', { Sid: 'NoRoot', Effect: 'Deny',
      Principal: { AWS: ROOT }, Action: 'ecr:*' })] },
    expect: 'ExplicitDeny',
    by: 'repo/NoRoot',
  },
  {
    it: 'always allows sts:GetCallerIdentity, even under an explicit deny',
    action: 'sts:GetCallerIdentity',
    policies: only(deny('DenyAll', '*')),
    expect: 'Allow',
  },
])

// ---------------------------------------------------------------- condition operators

const withCondition = (Condition: Statement['Condition'], Action = 'ecs:RunTask') =>
  ({ identity: [identity('p', allow('C', Action, '*', { Condition }))] })

const granted = { expect: 'Allow' as const, by: 'p/C' }
const refused = { expect: 'ImplicitDeny' as const, missing: 'identity' as const }
const run = { action: 'ecs:RunTask' }

table('String condition operators', [
  {
    it: 'matches StringEqualsIgnoreCase regardless of case',
    ...run,
    context: { 'aws:PrincipalTag/department': 'Finance' },
    policies: withCondition({
      StringEqualsIgnoreCase: { 'aws:PrincipalTag/department': 'finance' },
    }),
    ...granted,
  },
  {
    it: 'compares StringEquals values case-sensitively',
    ...run,
    context: { 'aws:PrincipalTag/department': 'Finance' },
    policies: withCondition({
      StringEquals: { 'aws:PrincipalTag/department': 'finance' },
    }),
    ...refused,
  },
  {
    it: 'looks condition keys up case-insensitively',
    ...run,
    context: { 'aws:requestedregion': 'us-east-1' },
    policies: withCondition({ StringEquals: { 'AWS:RequestedRegion': 'us-east-1' } }),
    ...granted,
  },
  {
    it: 'matches StringLike with * and ? wildcards',
    ...run,
    context: { 'ecs:cluster': PROD },
    policies: withCondition({ StringLike: { 'ecs:cluster': ecsArn('cluster/pro?') } }),
    ...granted,
  },
  {
    it: 'refuses StringNotLike when the value matches a pattern',
    ...run,
    context: { 'aws:userid': 'AIDAALICE' },
    policies: withCondition({ StringNotLike: { 'aws:userid': ['AIDA*', 'AROA*'] } }),
    ...refused,
  },
  {
    it: 'requires every key of one operator to match',
    ...run,
    context: { 'aws:RequestedRegion': 'us-east-1', 'ecs:cluster': ecsArn('cluster/dev') },
    policies: withCondition({ StringEquals: { 'aws:RequestedRegion': 'us-east-1',
      'ecs:cluster': PROD } }),
    ...refused,
  },
  {
    it: 'requires every operator of a Condition to match',
    ...run,
    context: { 'aws:RequestedRegion': 'us-east-1', 'aws:SecureTransport': 'false' },
    policies: withCondition({ StringEquals: { 'aws:RequestedRegion': 'us-east-1' },
      Bool: { 'aws:SecureTransport': 'true' } }),
    ...refused,
  },
  {
    it: 'reads several values of one key as alternatives',
    ...run,
    context: { 'aws:RequestedRegion': 'eu-west-1' },
    policies: withCondition({ StringEquals: { 'aws:RequestedRegion': ['us-east-1',
      'eu-west-1'] } }),
    ...granted,
  },
  {
    it: 'matches StringNotEquals when the key is missing',
    ...run,
    policies: withCondition({ StringNotEquals: { 'aws:ResourceTag/env': 'prod' } }),
    ...granted,
  },
  {
    it: 'matches a multivalued key without a set prefix when any value matches',
    ...run,
    context: { 'aws:TagKeys': ['env', 'team'] },
    policies: withCondition({ StringEquals: { 'aws:TagKeys': 'team' } }),
    ...granted,
  },
])

table('Numeric, date, Boolean and binary condition operators', [
  {
    it: 'allows when aws:MultiFactorAuthAge is below NumericLessThan',
    ...run,
    context: { 'aws:MultiFactorAuthAge': '300' },
    policies: withCondition({ NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } }),
    ...granted,
  },
  {
    it: 'refuses when aws:MultiFactorAuthAge is above NumericLessThan',
    ...run,
    context: { 'aws:MultiFactorAuthAge': 7200 },
    policies: withCondition({ NumericLessThan: { 'aws:MultiFactorAuthAge': 3600 } }),
    ...refused,
  },
  {
    it: 'matches NumericGreaterThanEquals at the bound',
    ...run,
    context: { 'ecs:task-count': '10' },
    policies: withCondition({ NumericGreaterThanEquals: { 'ecs:task-count': '10' } }),
    ...granted,
  },
  {
    it: 'refuses NumericNotEquals when the value equals one listed',
    ...run,
    context: { 'ecs:task-count': '2' },
    policies: withCondition({ NumericNotEquals: { 'ecs:task-count': ['1', '2'] } }),
    ...refused,
  },
  {
    it: 'allows before the DateLessThan deadline on aws:CurrentTime',
    ...run,
    context: { 'aws:CurrentTime': '2019-06-30T23:59:59Z' },
    policies: withCondition({
      DateLessThan: { 'aws:CurrentTime': '2019-07-01T00:00:00Z' },
    }),
    ...granted,
  },
  {
    it: 'refuses after the DateLessThan deadline on aws:CurrentTime',
    ...run,
    context: { 'aws:CurrentTime': '2019-07-01T00:00:01Z' },
    policies: withCondition({
      DateLessThan: { 'aws:CurrentTime': '2019-07-01T00:00:00Z' },
    }),
    ...refused,
  },
  {
    it: 'compares a date given in epoch seconds with an ISO-8601 time',
    ...run,
    context: { 'aws:CurrentTime': '2024-01-01T00:00:00Z' },
    policies: withCondition({ DateGreaterThan: { 'aws:CurrentTime': '1700000000' } }),
    ...granted,
  },
  {
    it: 'compares dates with a time-zone offset',
    ...run,
    context: { 'aws:CurrentTime': '2020-01-01T00:30:00Z' },
    policies: withCondition({ DateGreaterThanEquals: { 'aws:CurrentTime':
      '2020-01-01T01:00:00+01:00' } }),
    ...granted,
  },
  {
    it: 'defaults aws:CurrentTime to now',
    ...run,
    policies: withCondition({ DateGreaterThan: { 'aws:CurrentTime': '2000-01-01' } }),
    ...granted,
  },
  {
    it: 'keeps a supplied aws:CurrentTime when aws:EpochTime defaults to now',
    ...run,
    context: { 'aws:CurrentTime': '2001-01-01T00:00:00Z' },
    policies: withCondition({ DateGreaterThan: { 'aws:EpochTime': '946684800' },
      DateLessThan: { 'aws:CurrentTime': '2002-01-01T00:00:00Z' } }),
    ...granted,
  },
  {
    it: 'defaults aws:EpochTime to now',
    ...run,
    policies: withCondition({ DateLessThan: { 'aws:EpochTime': '946684800' } }),
    ...refused,
  },
  {
    it: 'allows with Bool aws:MultiFactorAuthPresent true when MFA was used',
    ...run,
    context: { 'aws:MultiFactorAuthPresent': true },
    policies: withCondition({ Bool: { 'aws:MultiFactorAuthPresent': 'true' } }),
    ...granted,
  },
  {
    it: 'refuses Bool aws:MultiFactorAuthPresent true when the key is missing',
    ...run,
    policies: withCondition({ Bool: { 'aws:MultiFactorAuthPresent': true } }),
    ...refused,
  },
  {
    it: 'denies through BoolIfExists false when MFA is absent',
    ...run,
    policies: only(allow('All', '*'), deny('NoMfa', '*', '*',
      { Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } } })),
    expect: 'ExplicitDeny',
    by: 'p/NoMfa',
  },
  {
    it: 'passes a BoolIfExists false deny when MFA was used',
    ...run,
    context: { 'aws:MultiFactorAuthPresent': 'true' },
    policies: only(allow('All', '*'), deny('NoMfa', '*', '*',
      { Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } } })),
    expect: 'Allow',
    by: 'p/All',
  },
  {
    it: 'compares BinaryEquals values as decoded bytes',
    ...run,
    context: { 'test:binary': 'QmluYXJ5VmFsdWVJbkJhc2U2NA==' },
    policies: withCondition({
      BinaryEquals: { 'test:binary': 'QmluYXJ5VmFsdWVJbkJhc2U2NA==' },
    }),
    ...granted,
  },
])

table('IP address and ARN condition operators', [
  {
    it: 'allows a source address inside the IpAddress CIDR block',
    ...run,
    context: { 'aws:SourceIp': '203.0.113.7' },
    policies: withCondition({ IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }),
    ...granted,
  },
  {
    it: 'refuses a source address outside the IpAddress CIDR block',
    ...run,
    context: { 'aws:SourceIp': '198.51.100.1' },
    policies: withCondition({ IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }),
    ...refused,
  },
  {
    it: 'matches an IPv6 source address against an IPv6 CIDR block',
    ...run,
    context: { 'aws:SourceIp': '2001:db8:1234:5678::42' },
    policies: withCondition({ IpAddress: { 'aws:SourceIp': '2001:DB8:1234:5678::/64' } }),
    ...granted,
  },
  {
    it: 'reads an address without a prefix as a single host',
    ...run,
    context: { 'aws:SourceIp': '192.0.2.11' },
    policies: withCondition({ IpAddress: { 'aws:SourceIp': '192.0.2.10' } }),
    ...refused,
  },
  {
    it: 'denies calls from outside the corporate ranges with NotIpAddress',
    ...run,
    context: { 'aws:SourceIp': '198.51.100.9' },
    policies: only(allow('All', '*'), deny('Corp', '*', '*', {
      Condition: { NotIpAddress: { 'aws:SourceIp': ['192.0.2.0/24', '203.0.113.0/24'] } },
    })),
    expect: 'ExplicitDeny',
    by: 'p/Corp',
  },
  {
    it: 'lets calls from a corporate range pass a NotIpAddress deny',
    ...run,
    context: { 'aws:SourceIp': '192.0.2.200' },
    policies: only(allow('All', '*'), deny('Corp', '*', '*', {
      Condition: { NotIpAddress: { 'aws:SourceIp': ['192.0.2.0/24', '203.0.113.0/24'] } },
    })),
    expect: 'Allow',
    by: 'p/All',
  },
  {
    it: 'matches ArnLike part by part with wildcards',
    ...run,
    context: { 'aws:SourceArn': PROD },
    policies: withCondition({
      ArnLike: { 'aws:SourceArn': `arn:aws:*:${REGION}:${ACCT}:cluster/*` },
    }),
    ...granted,
  },
  {
    it: 'does not let an ArnLike wildcard span two ARN parts',
    ...run,
    context: { 'aws:SourceArn': `arn:aws:ecs:${REGION}:x:${ACCT}:cluster/prod` },
    policies: withCondition({
      ArnLike: { 'aws:SourceArn': `arn:aws:ecs:*:${ACCT}:cluster/prod` },
    }),
    ...refused,
  },
  {
    it: 'refuses ArnNotEquals when the ARN is the one named',
    ...run,
    context: { 'aws:PrincipalArn': alice.arn },
    policies: withCondition({ ArnNotEquals: { 'aws:PrincipalArn': alice.arn } }),
    ...refused,
  },
  {
    it: 'defaults aws:PrincipalArn of a session to its role ARN',
    as: app,
    ...run,
    policies: withCondition({ ArnEquals: { 'aws:PrincipalArn': APP_ROLE } }),
    ...granted,
  },
])

table('Null, IfExists and set operators', [
  {
    it: 'matches Null false only when the key is present',
    ...run,
    policies: withCondition({ Null: { 'aws:TokenIssueTime': 'false' } }),
    ...refused,
  },
  {
    it: 'matches Null true when the key is missing',
    ...run,
    policies: withCondition({ Null: { 'aws:TokenIssueTime': 'true' } }),
    ...granted,
  },
  {
    it: 'matches StringEqualsIfExists when the key is missing',
    action: 'ec2:RunInstances',
    policies: withCondition({ StringEqualsIfExists: { 'ec2:InstanceType': ['t3.micro'] } },
      'ec2:RunInstances'),
    ...granted,
  },
  {
    it: 'refuses StringEqualsIfExists when the key has another value',
    action: 'ec2:RunInstances',
    context: { 'ec2:InstanceType': 'm5.24xlarge' },
    policies: withCondition({ StringEqualsIfExists: { 'ec2:InstanceType': ['t3.micro'] } },
      'ec2:RunInstances'),
    ...refused,
  },
  {
    it: 'requires a listed tag key with ForAnyValue',
    ...run,
    context: { 'aws:TagKeys': ['env', 'team'] },
    policies: withCondition({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'team' } }),
    ...granted,
  },
  {
    it: 'refuses ForAnyValue when the key is missing',
    ...run,
    policies: withCondition({ 'ForAnyValue:StringEquals': { 'aws:TagKeys': 'team' } }),
    ...refused,
  },
  {
    it: 'matches ForAllValues:StringLike when every value matches a pattern',
    ...run,
    context: { 'aws:TagKeys': ['cost-center', 'cost-owner'] },
    policies: withCondition({ 'ForAllValues:StringLike': { 'aws:TagKeys': 'cost-*' } }),
    ...granted,
  },
  {
    it: 'refuses ForAnyValue:StringNotEquals when every value is listed',
    ...run,
    context: { 'aws:TagKeys': ['env'] },
    policies: withCondition({ 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': ['env'] } }),
    ...refused,
  },
])

// ---------------------------------------------------------------- policy variables

const ownUser = identity('self', allow('OwnKeys', 'iam:*AccessKey*',
  iamArn('user/${aws:username}')))

table('Policy variables', [
  {
    it: 'allows a user to manage its own access keys through ${aws:username}',
    action: 'iam:CreateAccessKey',
    resource: alice.arn,
    policies: { identity: [ownUser] },
    expect: 'Allow',
    by: 'self/OwnKeys',
  },
  {
    it: 'does not let ${aws:username} cover another user',
    action: 'iam:CreateAccessKey',
    resource: bob.arn,
    policies: { identity: [ownUser] },
    ...refused,
  },
  {
    it: 'takes aws:username from the request context before the principal',
    action: 'iam:CreateAccessKey',
    resource: iamArn('user/carol'),
    context: { 'aws:username': 'carol' },
    policies: { identity: [ownUser] },
    expect: 'Allow',
    by: 'self/OwnKeys',
  },
  {
    it: 'does not match ${aws:username} for a role session, which has no user name',
    as: app,
    action: 'iam:CreateAccessKey',
    resource: iamArn('user/${aws:username}'),
    policies: { identity: [ownUser] },
    ...refused,
  },
  {
    it: 'treats variables literally in a policy without Version 2012-10-17',
    action: 'iam:CreateAccessKey',
    resource: alice.arn,
    policies: { identity: [{ kind: 'identity', id: 'old', document: {
      Version: '2008-10-17',
      Statement: [allow('Old', 'iam:*', iamArn('user/${aws:username}'))],
    } }] },
    ...refused,
  },
  {
    it: 'substitutes ${aws:userid}',
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::home/AIDAALICE/notes.txt',
    policies: only(allow('Home', 's3:*', 'arn:aws:s3:::home/${aws:userid}/*')),
    expect: 'Allow',
    by: 'p/Home',
  },
  {
    it: 'uses the default value of a variable whose key is missing',
    action: 'ecs:UpdateService',
    resource: ecsArn('service/shared/web'),
    policies: only(allow('Team', 'ecs:*',
      ecsArn("service/${aws:PrincipalTag/team, 'shared'}/*"))),
    expect: 'Allow',
    by: 'p/Team',
  },
  {
    it: 'never reads a substituted value as a wildcard',
    action: 'ecs:DeleteCluster',
    resource: PROD,
    context: { 'aws:PrincipalTag/project': '*' },
    policies: only(allow('Project', 'ecs:*',
      ecsArn('cluster/${aws:PrincipalTag/project}'))),
    ...refused,
  },
  {
    it: 'reads ${*} as a literal asterisk',
    action: 's3:GetObject',
    resource: 'arn:aws:s3:::bucket/report',
    policies: only(allow('Star', 's3:*', 'arn:aws:s3:::bucket/${*}')),
    ...refused,
  },
  {
    it: 'reads ${$} and ${?} as literal characters in a condition',
    ...run,
    context: { 'test:label': 'cost$?' },
    policies: withCondition({ StringLike: { 'test:label': 'cost${$}${?}' } }),
    ...granted,
  },
  {
    it: 'substitutes variables in StringLike condition values',
    action: 's3:ListBucket',
    resource: 'arn:aws:s3:::mybucket',
    context: { 's3:prefix': 'alice/reports/' },
    policies: withCondition({ StringLike: { 's3:prefix': ['${aws:username}/*'] } },
      's3:ListBucket'),
    ...granted,
  },
  {
    it: 'substitutes ${aws:PrincipalAccount} in ARN conditions',
    ...run,
    context: { 'aws:SourceArn': PROD },
    policies: withCondition({ ArnLike: { 'aws:SourceArn':
      'arn:aws:ecs:*:${aws:PrincipalAccount}:cluster/*' } }),
    ...granted,
  },
  {
    it: 'does not resolve a variable from a multivalued key',
    ...run,
    context: { 'aws:TagKeys': ['env'], 'test:key': 'env' },
    policies: withCondition({ StringEquals: { 'test:key': '${aws:TagKeys}' } }),
    ...refused,
  },
  {
    it: 'does not apply a deny whose variable has no value',
    as: app,
    action: 'iam:DeleteUser',
    resource: iamArn('user/alice'),
    policies: only(allow('All', 'iam:*'),
      deny('NotSelf', 'iam:DeleteUser', iamArn('user/${aws:username}'))),
    expect: 'Allow',
    by: 'p/All',
  },
])

// ---------------------------------------------------------------- fail closed

table('Statements that cannot be evaluated fail closed', [
  {
    it: 'does not apply an Allow with an unknown operator',
    ...run,
    policies: withCondition({ StringEqualz: { 'aws:RequestedRegion': 'us-east-1' } }),
    ...refused,
    unevaluable: [['p/C', /StringEqualz/]],
  },
  {
    it: 'applies a Deny with an unknown operator',
    ...run,
    policies: only(allow('All', '*'), deny('Bad', '*', '*',
      { Condition: { StringEqualz: { 'aws:RequestedRegion': 'us-east-1' } } })),
    expect: 'ExplicitDeny',
    by: 'p/Bad',
    unevaluable: [['p/Bad', /StringEqualz/]],
  },
  {
    it: 'does not apply an Allow comparing NumericEquals with a non-number',
    ...run,
    context: { 'aws:MultiFactorAuthAge': '1' },
    policies: withCondition({ NumericEquals: { 'aws:MultiFactorAuthAge': 'abc' } }),
    ...refused,
    unevaluable: [['p/C', /NumericEquals.*aws:MultiFactorAuthAge/]],
  },
  {
    it: 'applies a Deny with an invalid CIDR block',
    ...run,
    context: { 'aws:SourceIp': '10.0.0.1' },
    policies: only(allow('All', '*'), deny('Net', '*', '*',
      { Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/33' } } })),
    expect: 'ExplicitDeny',
    by: 'p/Net',
    unevaluable: [['p/Net', /IpAddress.*aws:SourceIp/]],
  },
  {
    it: 'does not apply an Allow with an unparseable date',
    ...run,
    policies: withCondition({ DateLessThan: { 'aws:CurrentTime': 'next tuesday' } }),
    ...refused,
    unevaluable: [['p/C', /DateLessThan.*aws:CurrentTime/]],
  },
  {
    it: 'does not apply an Allow whose Resource holds an invalid variable',
    action: 'iam:CreateAccessKey',
    resource: alice.arn,
    policies: only(allow('Bad', 'iam:*', iamArn('user/${aws:user name}'))),
    ...refused,
    unevaluable: [['p/Bad', /aws:user name.*Resource/]],
  },
  {
    it: 'applies a Deny whose condition holds an unterminated variable',
    ...run,
    policies: only(allow('All', '*'), deny('Bad', '*', '*',
      { Condition: { StringEquals: { 'aws:username': '${aws:username' } } })),
    expect: 'ExplicitDeny',
    by: 'p/Bad',
    unevaluable: [['p/Bad', /StringEquals.*aws:username/]],
  },
  {
    it: 'does not apply an Allow with a Bool value that is not a Boolean',
    ...run,
    policies: withCondition({ Bool: { 'aws:SecureTransport': 'yes' } }),
    ...refused,
    unevaluable: [['p/C', /Bool.*aws:SecureTransport/]],
  },
  {
    it: 'does not apply an Allow comparing ArnEquals with a value that is not an ARN',
    ...run,
    context: { 'aws:SourceArn': PROD },
    policies: withCondition({ ArnEquals: { 'aws:SourceArn': 'cluster/prod' } }),
    ...refused,
    unevaluable: [['p/C', /ArnEquals.*aws:SourceArn/]],
  },
  {
    it: 'does not apply an Allow using NotPrincipal',
    ...pull,
    policies: { resource: [resourcePolicy('repo', { Sid: 'Odd', Effect: 'Allow',
      NotPrincipal: { AWS: bob.arn }, Action: 'ecr:*' })] },
    ...refused,
    unevaluable: [['repo/Odd', /NotPrincipal/]],
  },
  {
    it: 'applies a Deny that has no Action, since it cannot be matched',
    ...run,
    policies: only(allow('All', '*'),
      { Sid: 'Bad', Effect: 'Deny', Resource: '*' }),
    expect: 'ExplicitDeny',
    by: 'p/Bad',
    unevaluable: [['p/Bad', /Action/]],
  },
  {
    it: 'does not apply an Allow whose Effect is not Allow or Deny',
    ...run,
    policies: only({ Sid: 'Odd', Effect: 'allow' as 'Allow',
      Action: '*', Resource: '*' }),
    ...refused,
    unevaluable: [['p/Odd', /Effect/]],
  },
  {
    it: 'ignores a malformed Deny for another action',
    action: 'ecs:ListClusters',
    policies: only(allow('All', '*'), deny('Bad', 's3:*', '*',
      { Condition: { StringEqualz: { 'aws:RequestedRegion': 'x' } } })),
    expect: 'Allow',
    by: 'p/All',
  },
])

// ---------------------------------------------------------------- beyond the tables

describe('evaluate', () => {
  it('returns Allow without a deciding statement for the root user', () => {
    const decision = evaluate({ principal: root, action: 'iam:DeleteRole',
      resource: TARGET_ROLE, context: {} }, { identity: [] })
    expect(decision).toEqual({ decision: 'Allow', unevaluable: [] })
  })

  it('gives the same answer when the same policy objects are evaluated again', () => {
    const set: PolicySet = { identity: [runWebInProd] }
    const request = { principal: alice, action: 'ecs:RunTask',
      resource: ecsArn('task-definition/web:1'), context: { 'ecs:cluster': PROD } }
    expect(evaluate(request, set).decision).toBe('Allow')
    expect(evaluate({ ...request, context: {} }, set).decision).toBe('ImplicitDeny')
    expect(evaluate(request, set).decision).toBe('Allow')
  })

  it('evaluates thousands of requests per second', () => {
    const set: PolicySet = {
      identity: [runWebInProd, passToEcs, teamServices, regionGuard, adminOnlyIam],
      boundary: [boundary('b', allow('All', '*'))],
    }
    const count = 5000
    const started = performance.now()
    for (let i = 0; i < count; i++) {
      evaluate({ principal: alice, action: 'ecs:RunTask',
        resource: ecsArn(`task-definition/web:${i}`),
        context: { 'ecs:cluster': PROD, 'aws:RequestedRegion': REGION } }, set)
    }
    const perSecond = count / ((performance.now() - started) / 1000)
    expect(perSecond).toBeGreaterThan(2000)
  })
})
