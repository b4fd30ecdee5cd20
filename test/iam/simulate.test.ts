import { beforeAll, describe, expect, it } from 'vitest'
import {
  AddRoleToInstanceProfileCommand, AttachRolePolicyCommand, CreateInstanceProfileCommand, CreatePolicyCommand,
  CreateRoleCommand, CreateUserCommand, GetAccountAuthorizationDetailsCommand, PutRolePermissionsBoundaryCommand,
  PutUserPolicyCommand, SimulateCustomPolicyCommand, SimulatePrincipalPolicyCommand
} from '@aws-sdk/client-iam'
import { useEmulator } from '../support/emulator.js'
import { allowPolicy, denyPolicy, trustService } from '../support/fixtures.js'
import { ECS_TASK_EXECUTION, decoded } from './fixtures.js'

const t = useEmulator()
beforeAll(async () => {
  await t.iam.send(new CreateRoleCommand({ RoleName: 'exec', AssumeRolePolicyDocument: trustService('ecs-tasks.amazonaws.com') }))
  await t.iam.send(new AttachRolePolicyCommand({ RoleName: 'exec', PolicyArn: ECS_TASK_EXECUTION }))
  await t.iam.send(new CreateUserCommand({ UserName: 'dev' }))
  await t.iam.send(new PutUserPolicyCommand({ UserName: 'dev', PolicyName: 'ecs', PolicyDocument: allowPolicy('ecs:RunTask') }))
})

describe('SimulatePrincipalPolicy', () => {
  it('answers from the role\'s attached AWS managed policy', async () => {
    const out = await t.iam.send(new SimulatePrincipalPolicyCommand({
      PolicySourceArn: 'arn:aws:iam::000000000000:role/exec', ActionNames: ['ecr:BatchGetImage', 'secretsmanager:GetSecretValue']
    }))
    expect(out.EvaluationResults?.map(r => [r.EvalActionName, r.EvalDecision])).toEqual([
      ['ecr:BatchGetImage', 'allowed'], ['secretsmanager:GetSecretValue', 'implicitDeny']])
    expect(out.EvaluationResults?.[0].MatchedStatements?.[0]).toMatchObject({
      SourcePolicyId: ECS_TASK_EXECUTION, SourcePolicyType: 'aws-managed' })
  })

  it('answers for a user, per resource, with extra input policies', async () => {
    const out = await t.iam.send(new SimulatePrincipalPolicyCommand({
      PolicySourceArn: 'arn:aws:iam::000000000000:user/dev', ActionNames: ['ecs:RunTask'],
      ResourceArns: ['arn:aws:ecs:us-east-1:000000000000:task-definition/web:1', 'arn:aws:ecs:us-east-1:000000000000:task-definition/db:1'],
      PolicyInputList: [denyPolicy('ecs:RunTask', 'arn:aws:ecs:us-east-1:000000000000:task-definition/db:*')]
    }))
    expect(out.EvaluationResults?.map(r => r.EvalDecision)).toEqual(['allowed', 'explicitDeny'])
  })

  it('reports the permissions boundary', async () => {
    const boundary = await t.iam.send(new CreatePolicyCommand({ PolicyName: 'ecr-only', PolicyDocument: allowPolicy('ecr:*') }))
    await t.iam.send(new CreateRoleCommand({ RoleName: 'bounded', AssumeRolePolicyDocument: trustService('ecs-tasks.amazonaws.com') }))
    await t.iam.send(new AttachRolePolicyCommand({ RoleName: 'bounded', PolicyArn: ECS_TASK_EXECUTION }))
    await t.iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: 'bounded', PermissionsBoundary: boundary.Policy?.Arn }))
    const out = await t.iam.send(new SimulatePrincipalPolicyCommand({
      PolicySourceArn: 'arn:aws:iam::000000000000:role/bounded', ActionNames: ['ecr:BatchGetImage', 'logs:PutLogEvents']
    }))
    expect(out.EvaluationResults?.map(r => [r.EvalDecision, r.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary]))
      .toEqual([['allowed', true], ['implicitDeny', false]])
  })

  it('fails with NoSuchEntity for a role that does not exist', async () => {
    await expect(t.iam.send(new SimulatePrincipalPolicyCommand({
      PolicySourceArn: 'arn:aws:iam::000000000000:role/none', ActionNames: ['s3:GetObject']
    }))).rejects.toMatchObject({ name: 'NoSuchEntityException', message: 'The role with name none cannot be found.' })
  })
})

describe('SimulateCustomPolicy', () => {
  it('evaluates the given policies with the context entries', async () => {
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*',
      Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } }] })
    const run = async (region: string) => (await t.iam.send(new SimulateCustomPolicyCommand({
      PolicyInputList: [doc], ActionNames: ['s3:GetObject'],
      ContextEntries: [{ ContextKeyName: 'aws:RequestedRegion', ContextKeyType: 'string', ContextKeyValues: [region] }]
    }))).EvaluationResults?.[0].EvalDecision
    expect(await run('eu-west-1')).toBe('allowed')
    expect(await run('us-east-1')).toBe('implicitDeny')
  })

  it('fails with MalformedPolicyDocument for an input policy that does not parse', async () => {
    await expect(t.iam.send(new SimulateCustomPolicyCommand({ PolicyInputList: ['{'], ActionNames: ['s3:GetObject'] })))
      .rejects.toMatchObject({ name: 'MalformedPolicyDocumentException', message: 'Syntax errors in policy.' })
  })
})

describe('GetAccountAuthorizationDetails', () => {
  it('lists roles with their policies and instance profiles, users, and policies in use', async () => {
    await t.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'exec-profile' }))
    await t.iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'exec-profile', RoleName: 'exec' }))
    const out = await t.iam.send(new GetAccountAuthorizationDetailsCommand({}))
    const exec = out.RoleDetailList?.find(r => r.RoleName === 'exec')
    expect(exec?.AttachedManagedPolicies).toEqual([{ PolicyName: 'AmazonECSTaskExecutionRolePolicy', PolicyArn: ECS_TASK_EXECUTION }])
    expect(exec?.InstanceProfileList?.map(p => p.InstanceProfileName)).toEqual(['exec-profile'])
    expect(decoded(exec?.AssumeRolePolicyDocument)).toEqual(JSON.parse(trustService('ecs-tasks.amazonaws.com')))
    expect(out.UserDetailList?.find(u => u.UserName === 'dev')?.UserPolicyList?.map(p => p.PolicyName)).toEqual(['ecs'])
    expect(out.Policies?.map(p => p.PolicyName)).toEqual(expect.arrayContaining(['ecr-only', 'AmazonECSTaskExecutionRolePolicy']))
  })

  it('answers only what the filter asks for', async () => {
    const out = await t.iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['User'] }))
    expect(out.UserDetailList?.map(u => u.UserName)).toEqual(['dev'])
    expect(out.RoleDetailList).toEqual([])
  })
})
