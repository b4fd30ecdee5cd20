import { describe, expect, it } from 'vitest'
import { accessDeniedMessage } from '../../src/iam/access-denied.js'
import { evaluate } from '../../src/iam/evaluator.js'
import type {
  Decision,
  Policy,
  PolicyKind,
  PolicySet,
  PolicyStatement,
  Principal,
} from '../../src/iam/policy.js'

const ACCT = '123456789012'
const ALICE = `arn:aws:iam::${ACCT}:user/alice`
const ROLE = `arn:aws:iam::${ACCT}:role/target`
const TASK_DEF = `arn:aws:ecs:us-east-1:${ACCT}:task-definition/web:3`
const REPO = `arn:aws:ecr:us-east-1:${ACCT}:repository/web`
const MANAGED = `arn:aws:iam::${ACCT}:policy/DenyEcsWrites`

const alice: Principal = {
  type: 'user', arn: ALICE, account: ACCT, userName: 'alice', userId: 'AIDAALICE',
}
const app: Principal = {
  type: 'assumed-role',
  arn: `arn:aws:sts::${ACCT}:assumed-role/app/worker-1`,
  account: ACCT,
  roleArn: `arn:aws:iam::${ACCT}:role/app`,
  userId: 'AROAAPP:worker-1',
}

function policy(kind: PolicyKind, id: string, ...Statement: PolicyStatement[]): Policy {
  return { kind, id, document: { Version: '2012-10-17', Statement } }
}

const allowAll: PolicyStatement = {
  Sid: 'All', Effect: 'Allow', Action: '*', Resource: '*',
}
const denyAll: PolicyStatement = { Sid: 'No', Effect: 'Deny', Action: '*', Resource: '*' }
const trustAccount: PolicyStatement = { Sid: 'Account', Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }
const trustBob: PolicyStatement = { Sid: 'Bob', Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${ACCT}:user/bob` }, Action: 'sts:AssumeRole' }
const denyAlice: PolicyStatement = { Sid: 'NoAlice', Effect: 'Deny',
  Principal: { AWS: ALICE }, Action: '*' }

interface Row {
  it: string
  as?: Principal
  action: string
  resource: string
  policies: Partial<PolicySet>
  message: string
}

const user = `User: ${ALICE} is not authorized to perform:`

const rows: Row[] = [
  {
    it: 'names the missing identity-based policy',
    action: 'ecs:RunTask',
    resource: TASK_DEF,
    policies: {},
    message: `${user} ecs:RunTask on resource: ${TASK_DEF} because no ` +
      'identity-based policy allows the ecs:RunTask action',
  },
  {
    it: 'writes the resource as * for an action that takes none',
    action: 'ecs:ListClusters',
    resource: '*',
    policies: {},
    message: `${user} ecs:ListClusters on resource: * because no ` +
      'identity-based policy allows the ecs:ListClusters action',
  },
  {
    it: 'names the missing permissions boundary',
    action: 'ecs:RunTask',
    resource: TASK_DEF,
    policies: { identity: [policy('identity', 'p', allowAll)], boundary: [] },
    message: `${user} ecs:RunTask on resource: ${TASK_DEF} because no ` +
      'permissions boundary allows the ecs:RunTask action',
  },
  {
    it: 'names the missing session policy and writes the session ARN',
    as: app,
    action: 'ecs:RunTask',
    resource: TASK_DEF,
    policies: { identity: [policy('identity', 'p', allowAll)], session: [] },
    message: `User: ${app.arn} is not authorized to perform: ecs:RunTask on resource: ` +
      `${TASK_DEF} because no session policy allows the ecs:RunTask action`,
  },
  {
    it: 'names the missing resource-based policy for a service principal',
    as: { type: 'service', arn: 'ecs-tasks.amazonaws.com', account: ACCT,
      userId: 'ecs-tasks.amazonaws.com' },
    action: 'ecr:BatchGetImage',
    resource: REPO,
    policies: {},
    message: 'User: ecs-tasks.amazonaws.com is not authorized to perform: ' +
      `ecr:BatchGetImage on resource: ${REPO} because no resource-based policy allows ` +
      'the ecr:BatchGetImage action',
  },
  {
    it: 'names an inline identity-based policy that denies, without its name',
    action: 'ecs:RunTask',
    resource: TASK_DEF,
    policies: { identity: [policy('identity', 'user/alice/policy/inline', denyAll)] },
    message: `${user} ecs:RunTask on resource: ${TASK_DEF} with an explicit deny in an ` +
      'identity-based policy',
  },
  {
    it: 'appends the ARN of a managed identity-based policy that denies',
    action: 'ecs:RunTask',
    resource: TASK_DEF,
    policies: { identity: [policy('identity', MANAGED, denyAll)] },
    message: `${user} ecs:RunTask on resource: ${TASK_DEF} with an explicit deny in an ` +
      `identity-based policy: ${MANAGED}`,
  },
  {
    it: 'names a permissions boundary that denies',
    action: 'ecs:RunTask',
    resource: TASK_DEF,
    policies: { identity: [policy('identity', 'p', allowAll)],
      boundary: [policy('boundary', `arn:aws:iam::${ACCT}:policy/Boundary`, denyAll)] },
    message: `${user} ecs:RunTask on resource: ${TASK_DEF} with an explicit deny in a ` +
      'permissions boundary',
  },
  {
    it: 'names a session policy that denies',
    as: app,
    action: 'ecs:RunTask',
    resource: TASK_DEF,
    policies: { identity: [policy('identity', 'p', allowAll)],
      session: [policy('session', 'session', denyAll)] },
    message: `User: ${app.arn} is not authorized to perform: ecs:RunTask on resource: ` +
      `${TASK_DEF} with an explicit deny in a session policy`,
  },
  {
    it: 'names a resource-based policy that denies',
    action: 'ecr:BatchGetImage',
    resource: REPO,
    policies: { identity: [policy('identity', 'p', allowAll)],
      resource: [policy('resource', 'repo', denyAlice)] },
    message: `${user} ecr:BatchGetImage on resource: ${REPO} with an explicit deny in a ` +
      'resource-based policy',
  },
  {
    it: 'names no resource when no role trust policy allows sts:AssumeRole',
    action: 'sts:AssumeRole',
    resource: ROLE,
    policies: { identity: [policy('identity', 'p', allowAll)],
      resource: [policy('trust', 'trust', trustBob)] },
    message: `${user} sts:AssumeRole because no role trust policy allows the ` +
      'sts:AssumeRole action',
  },
  {
    it: 'names no resource when the role trust policy denies',
    action: 'sts:AssumeRole',
    resource: ROLE,
    policies: { identity: [policy('identity', 'p', allowAll)],
      resource: [policy('trust', 'trust', trustAccount, denyAlice)] },
    message: `${user} sts:AssumeRole with an explicit deny in the role trust policy`,
  },
  {
    it: 'names the role when the trust admits the account but no identity policy allows',
    action: 'sts:AssumeRole',
    resource: ROLE,
    policies: { resource: [policy('trust', 'trust', trustAccount)] },
    message: `${user} sts:AssumeRole on resource: ${ROLE} because no ` +
      'identity-based policy allows the sts:AssumeRole action',
  },
  {
    it: 'keeps the action as the caller wrote it',
    action: 'iam:PassRole',
    resource: ROLE,
    policies: {},
    message: `${user} iam:PassRole on resource: ${ROLE} because no ` +
      'identity-based policy allows the iam:PassRole action',
  },
]

describe('accessDeniedMessage', () => {
  for (const row of rows) {
    it(row.it, () => {
      const request = { principal: row.as ?? alice, action: row.action,
        resource: row.resource, context: {} }
      const decision = evaluate(request, { identity: [], ...row.policies })
      expect(decision.decision).not.toBe('Allow')
      expect(accessDeniedMessage(request, decision)).toBe(row.message)
    })
  }

  it('falls back to the bare sentence when the decision names no layer', () => {
    const request = { principal: alice, action: 'ecs:RunTask', resource: TASK_DEF,
      context: {} }
    const decision: Decision = { decision: 'ImplicitDeny', unevaluable: [] }
    expect(accessDeniedMessage(request, decision))
      .toBe(`${user} ecs:RunTask on resource: ${TASK_DEF}`)
  })
})
