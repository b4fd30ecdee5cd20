import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  AddRoleToInstanceProfileCommand, AttachRolePolicyCommand, CreateInstanceProfileCommand, CreatePolicyCommand,
  CreateRoleCommand, CreateUserCommand, GetAccountAuthorizationDetailsCommand, PutRolePermissionsBoundaryCommand,
  PutUserPolicyCommand, SimulateCustomPolicyCommand, SimulatePrincipalPolicyCommand, type IAMClient
} from '@aws-sdk/client-iam'
import { startEmulator, type TestEmulator } from '../support/emulator.js'
import { ECS_TASK_EXECUTION, allow, decoded, deny, trustService } from './fixtures.js'

let emu: TestEmulator
let iam: IAMClient
beforeAll(async () => {
  emu = await startEmulator()
  iam = emu.clients().iam
  await iam.send(new CreateRoleCommand({ RoleName: 'exec', AssumeRolePolicyDocument: trustService('ecs-tasks.amazonaws.com') }))
  await iam.send(new AttachRolePolicyCommand({ RoleName: 'exec', PolicyArn: ECS_TASK_EXECUTION }))
  await iam.send(new CreateUserCommand({ UserName: 'dev' }))
  await iam.send(new PutUserPolicyCommand({ UserName: 'dev', PolicyName: 'ecs', PolicyDocument: allow('ecs:RunTask') }))
})
afterAll(async () => {
  await emu.close()
  expect(emu.violations).toEqual([])
})

describe('SimulatePrincipalPolicy', () => {
  it('answers from the role\'s attached AWS managed policy', async () => {
    const out = await iam.send(new SimulatePrincipalPolicyCommand({
      PolicySourceArn: 'arn:aws:iam::000000000000:role/exec', ActionNames: ['ecr:BatchGetImage', 'secretsmanager:GetSecretValue']
    }))
    expect(out.EvaluationResults?.map(r => [r.EvalActionName, r.EvalDecision])).toEqual([
      ['ecr:BatchGetImage', 'allowed'], ['secretsmanager:GetSecretValue', 'implicitDeny']])
    expect(out.EvaluationResults?.[0].MatchedStatements?.[0]).toMatchObject({
      SourcePolicyId: ECS_TASK_EXECUTION, SourcePolicyType: 'aws-managed' })
  })

  it('answers for a user, per resource, with extra input policies', async () => {
    const out = await iam.send(new SimulatePrincipalPolicyCommand({
      PolicySourceArn: 'arn:aws:iam::000000000000:user/dev', ActionNames: ['ecs:RunTask'],
      ResourceArns: ['arn:aws:ecs:us-east-1:000000000000:task-definition/web:1', 'arn:aws:ecs:us-east-1:000000000000:task-definition/db:1'],
      PolicyInputList: [deny('ecs:RunTask', 'arn:aws:ecs:us-east-1:000000000000:task-definition/db:*')]
    }))
    expect(out.EvaluationResults?.map(r => r.EvalDecision)).toEqual(['allowed', 'explicitDeny'])
  })

  it('reports the permissions boundary', async () => {
    const boundary = await iam.send(new CreatePolicyCommand({ PolicyName: 'ecr-only', PolicyDocument: allow('ecr:*') }))
    await iam.send(new CreateRoleCommand({ RoleName: 'bounded', AssumeRolePolicyDocument: trustService('ecs-tasks.amazonaws.com') }))
    await iam.send(new AttachRolePolicyCommand({ RoleName: 'bounded', PolicyArn: ECS_TASK_EXECUTION }))
    await iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: 'bounded', PermissionsBoundary: boundary.Policy?.Arn }))
    const out = await iam.send(new SimulatePrincipalPolicyCommand({
      PolicySourceArn: 'arn:aws:iam::000000000000:role/bounded', ActionNames: ['ecr:BatchGetImage', 'logs:PutLogEvents']
    }))
    expect(out.EvaluationResults?.map(r => [r.EvalDecision, r.PermissionsBoundaryDecisionDetail?.AllowedByPermissionsBoundary]))
      .toEqual([['allowed', true], ['implicitDeny', false]])
  })

  it('fails with NoSuchEntity for a role that does not exist', async () => {
    await expect(iam.send(new SimulatePrincipalPolicyCommand({
      PolicySourceArn: 'arn:aws:iam::000000000000:role/none', ActionNames: ['s3:GetObject']
    }))).rejects.toMatchObject({ name: 'NoSuchEntityException', message: 'The role with name none cannot be found.' })
  })
})

describe('SimulateCustomPolicy', () => {
  it('evaluates the given policies with the context entries', async () => {
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*',
      Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } }] })
    const run = async (region: string) => (await iam.send(new SimulateCustomPolicyCommand({
      PolicyInputList: [doc], ActionNames: ['s3:GetObject'],
      ContextEntries: [{ ContextKeyName: 'aws:RequestedRegion', ContextKeyType: 'string', ContextKeyValues: [region] }]
    }))).EvaluationResults?.[0].EvalDecision
    expect(await run('eu-west-1')).toBe('allowed')
    expect(await run('us-east-1')).toBe('implicitDeny')
  })

  it('fails with MalformedPolicyDocument for an input policy that does not parse', async () => {
    await expect(iam.send(new SimulateCustomPolicyCommand({ PolicyInputList: ['{'], ActionNames: ['s3:GetObject'] })))
      .rejects.toMatchObject({ name: 'MalformedPolicyDocumentException', message: 'Syntax errors in policy.' })
  })
})

describe('GetAccountAuthorizationDetails', () => {
  it('lists roles with their policies and instance profiles, users, and policies in use', async () => {
    await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'exec-profile' }))
    await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'exec-profile', RoleName: 'exec' }))
    const out = await iam.send(new GetAccountAuthorizationDetailsCommand({}))
    const exec = out.RoleDetailList?.find(r => r.RoleName === 'exec')
    expect(exec?.AttachedManagedPolicies).toEqual([{ PolicyName: 'AmazonECSTaskExecutionRolePolicy', PolicyArn: ECS_TASK_EXECUTION }])
    expect(exec?.InstanceProfileList?.map(p => p.InstanceProfileName)).toEqual(['exec-profile'])
    expect(decoded(exec?.AssumeRolePolicyDocument)).toEqual(JSON.parse(trustService('ecs-tasks.amazonaws.com')))
    expect(out.UserDetailList?.find(u => u.UserName === 'dev')?.UserPolicyList?.map(p => p.PolicyName)).toEqual(['ecs'])
    expect(out.Policies?.map(p => p.PolicyName)).toEqual(expect.arrayContaining(['ecr-only', 'AmazonECSTaskExecutionRolePolicy']))
  })

  it('answers only what the filter asks for', async () => {
    const out = await iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['User'] }))
    expect(out.UserDetailList?.map(u => u.UserName)).toEqual(['dev'])
    expect(out.RoleDetailList).toEqual([])
  })
})
