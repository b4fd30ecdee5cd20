import { describe, expect, it } from 'vitest'
import { AttachRolePolicyCommand, CreateRoleCommand, GetRoleCommand, ListRolesCommand } from '@aws-sdk/client-iam'
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts'
import { useEmulator } from '../support/emulator.js'
import { awsManagedPolicy, awsManagedPolicies, awsManagedPoliciesLoaded } from '../../src/iam/managed.js'
import { trustService } from '../support/fixtures.js'
import { ECS_TASK_EXECUTION } from './fixtures.js'

const t = useEmulator()

describe('AWS managed policies', () => {
  it('are not loaded by calls that do not need them', async () => {
    const { iam, sts } = t
    await sts.send(new GetCallerIdentityCommand({}))
    await iam.send(new CreateRoleCommand({ RoleName: 'lazy', AssumeRolePolicyDocument: trustService('ecs-tasks.amazonaws.com') }))
    await iam.send(new GetRoleCommand({ RoleName: 'lazy' }))
    await iam.send(new ListRolesCommand({}))
    expect(awsManagedPoliciesLoaded()).toBe(false)
  })

  it('are loaded on the first attachment of one', async () => {
    await t.iam.send(new AttachRolePolicyCommand({ RoleName: 'lazy', PolicyArn: ECS_TASK_EXECUTION }))
    expect(awsManagedPoliciesLoaded()).toBe(true)
  })

  it('are all there, with the default versions of the ECS policies as published', () => {
    expect(awsManagedPolicies()).toHaveLength(1594)
    const defaults = Object.fromEntries(['service-role/AmazonECSTaskExecutionRolePolicy',
      'service-role/AmazonEC2ContainerServiceforEC2Role', 'service-role/AmazonEC2ContainerServiceRole',
      'aws-service-role/AmazonECSServiceRolePolicy']
      .map(p => [p, awsManagedPolicy(`arn:aws:iam::aws:policy/${p}`)?.defaultVersionId]))
    expect(defaults).toEqual({
      'service-role/AmazonECSTaskExecutionRolePolicy': 'v1',
      'service-role/AmazonEC2ContainerServiceforEC2Role': 'v10',
      'service-role/AmazonEC2ContainerServiceRole': 'v2',
      'aws-service-role/AmazonECSServiceRolePolicy': 'v24'
    })
  })

  it('exist only under their path', () => {
    expect(awsManagedPolicy('arn:aws:iam::aws:policy/AmazonECSTaskExecutionRolePolicy')).toBeUndefined()
    expect(awsManagedPolicy(ECS_TASK_EXECUTION)?.path).toBe('/service-role/')
  })
})
