import { beforeAll, describe, expect, it } from 'vitest'
import {
  AttachRolePolicyCommand, CreatePolicyCommand, CreateRoleCommand, CreateUserCommand,
  DeleteRolePermissionsBoundaryCommand, DetachRolePolicyCommand, GetRoleCommand, ListRolesCommand,
  PutRolePermissionsBoundaryCommand, PutUserPolicyCommand, TagRoleCommand
} from '@aws-sdk/client-iam'
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts'
import { useEmulator, type Credentials } from '../support/emulator.js'
import { allowPolicy, credentialsOf, trustAccount, trustService, userWithKey } from '../support/fixtures.js'
import { ECS_TASK_EXECUTION, unique } from './fixtures.js'

const t = useEmulator()


const ECS_TASKS = trustService('ecs-tasks.amazonaws.com')

describe('IAM authorization', () => {
  it('denies CreateRole outside the allowed names with AccessDenied 403, and allows inside', async () => {
    const creds = await userWithKey(t.iam, 'narrow', allowPolicy('iam:CreateRole', 'arn:aws:iam::000000000000:role/app-*'))
    const { iam } = t.emu.clients(creds)
    await expect(iam.send(new CreateRoleCommand({ RoleName: 'X', AssumeRolePolicyDocument: ECS_TASKS }))).rejects.toMatchObject({
      name: 'AccessDenied',
      message: 'User: arn:aws:iam::000000000000:user/narrow is not authorized to perform: iam:CreateRole on resource: arn:aws:iam::000000000000:role/X because no identity-based policy allows the iam:CreateRole action',
      $metadata: { httpStatusCode: 403 }
    })
    const out = await iam.send(new CreateRoleCommand({ RoleName: 'app-web', AssumeRolePolicyDocument: ECS_TASKS }))
    expect(out.Role?.RoleName).toBe('app-web')
  })

  it('authorizes on the role ARN with its path', async () => {
    await t.iam.send(new CreateRoleCommand({ RoleName: 'deep', Path: '/team/a/', AssumeRolePolicyDocument: ECS_TASKS }))
    const creds = await userWithKey(t.iam, 'pathed', allowPolicy('iam:GetRole', 'arn:aws:iam::000000000000:role/team/*'))
    const { iam } = t.emu.clients(creds)
    expect((await iam.send(new GetRoleCommand({ RoleName: 'deep' }))).Role?.Path).toBe('/team/a/')
  })

  it('authorizes against the role\'s tags as aws:ResourceTag', async () => {
    const tagged = unique('tagged')
    const plain = unique('plain')
    await t.iam.send(new CreateRoleCommand({ RoleName: tagged, AssumeRolePolicyDocument: ECS_TASKS, Tags: [{ Key: 'team', Value: 'blue' }] }))
    await t.iam.send(new CreateRoleCommand({ RoleName: plain, AssumeRolePolicyDocument: ECS_TASKS }))
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:GetRole', Resource: '*',
      Condition: { StringEquals: { 'aws:ResourceTag/team': 'blue' } } }] })
    const { iam } = t.emu.clients(await userWithKey(t.iam, 'tag-reader', doc))
    await expect(iam.send(new GetRoleCommand({ RoleName: tagged }))).resolves.toBeDefined()
    await expect(iam.send(new GetRoleCommand({ RoleName: plain }))).rejects.toMatchObject({ name: 'AccessDenied' })
  })

  it('sets aws:RequestTag and aws:TagKeys on TagRole', async () => {
    const name = unique('to-tag')
    await t.iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: ECS_TASKS }))
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:TagRole', Resource: '*',
      Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env'] } } }] })
    const { iam } = t.emu.clients(await userWithKey(t.iam, 'tagger', doc))
    await iam.send(new TagRoleCommand({ RoleName: name, Tags: [{ Key: 'env', Value: 'dev' }] }))
    await expect(iam.send(new TagRoleCommand({ RoleName: name, Tags: [{ Key: 'owner', Value: 'me' }] })))
      .rejects.toMatchObject({ name: 'AccessDenied' })
  })

  it('sets iam:PolicyARN on AttachRolePolicy', async () => {
    const name = unique('attach-target')
    await t.iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: ECS_TASKS }))
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:AttachRolePolicy', Resource: '*',
      Condition: { ArnEquals: { 'iam:PolicyARN': ECS_TASK_EXECUTION } } }] })
    const { iam } = t.emu.clients(await userWithKey(t.iam, 'attacher', doc))
    await iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: ECS_TASK_EXECUTION }))
    await expect(iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' })))
      .rejects.toMatchObject({
        name: 'AccessDenied',
        message: `User: arn:aws:iam::000000000000:user/attacher is not authorized to perform: iam:AttachRolePolicy on resource: arn:aws:iam::000000000000:role/${name} because no identity-based policy allows the iam:AttachRolePolicy action`
      })
  })

  it('sees a new policy at once: the policy cache is dropped on every IAM write', async () => {
    const creds = await userWithKey(t.iam, 'late', allowPolicy('iam:GetUser'))
    const { iam } = t.emu.clients(creds)
    await expect(iam.send(new ListRolesCommand({}))).rejects.toMatchObject({ name: 'AccessDenied' })
    await t.iam.send(new PutUserPolicyCommand({ UserName: 'late', PolicyName: 'more', PolicyDocument: allowPolicy('iam:ListRoles') }))
    await expect(iam.send(new ListRolesCommand({}))).resolves.toBeDefined()
  })

  it('checks iam:PassRole on AddRoleToInstanceProfile', async () => {
    const { iam } = t.emu.clients(await userWithKey(t.iam, 'profiler', allowPolicy(['iam:CreateInstanceProfile', 'iam:AddRoleToInstanceProfile'])))
    const { CreateInstanceProfileCommand, AddRoleToInstanceProfileCommand } = await import('@aws-sdk/client-iam')
    await t.iam.send(new CreateRoleCommand({ RoleName: 'passed', AssumeRolePolicyDocument: trustService('ec2.amazonaws.com') }))
    await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'passed' }))
    await expect(iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'passed', RoleName: 'passed' }))).rejects.toMatchObject({
      name: 'AccessDenied',
      message: 'User: arn:aws:iam::000000000000:user/profiler is not authorized to perform: iam:PassRole on resource: arn:aws:iam::000000000000:role/passed because no identity-based policy allows the iam:PassRole action'
    })
  })
})

describe('AssumeRole sessions', () => {
  const ROLE = 'deployer-role'
  let assumer: Credentials

  beforeAll(async () => {
    await t.iam.send(new CreateRoleCommand({ RoleName: ROLE, AssumeRolePolicyDocument: trustAccount() }))
    const policy = await t.iam.send(new CreatePolicyCommand({ PolicyName: 'role-reader', PolicyDocument: allowPolicy(['iam:GetRole', 'iam:ListRoles']) }))
    await t.iam.send(new AttachRolePolicyCommand({ RoleName: ROLE, PolicyArn: policy.Policy?.Arn }))
    assumer = await userWithKey(t.iam, 'assumer', allowPolicy('sts:AssumeRole', `arn:aws:iam::000000000000:role/${ROLE}`))
  })

  async function session (name: string, extra: { Policy?: string } = {}): Promise<Credentials> {
    const out = await t.emu.clients(assumer).sts.send(new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::000000000000:role/${ROLE}`, RoleSessionName: name, ...extra
    }))
    return credentialsOf(out.Credentials!)
  }

  it('acts with the role\'s attached policies', async () => {
    const { iam, sts } = t.emu.clients(await session('work'))
    expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toBe(`arn:aws:sts::000000000000:assumed-role/${ROLE}/work`)
    expect((await iam.send(new GetRoleCommand({ RoleName: ROLE }))).Role?.RoleName).toBe(ROLE)
    await expect(iam.send(new CreateUserCommand({ UserName: 'x' }))).rejects.toMatchObject({
      name: 'AccessDenied',
      message: `User: arn:aws:sts::000000000000:assumed-role/${ROLE}/work is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::000000000000:user/x because no identity-based policy allows the iam:CreateUser action`
    })
  })

  it('is narrowed by a session policy', async () => {
    const { iam } = t.emu.clients(await session('narrowed', { Policy: allowPolicy('iam:GetRole') }))
    await expect(iam.send(new GetRoleCommand({ RoleName: ROLE }))).resolves.toBeDefined()
    await expect(iam.send(new ListRolesCommand({}))).rejects.toMatchObject({
      name: 'AccessDenied',
      message: `User: arn:aws:sts::000000000000:assumed-role/${ROLE}/narrowed is not authorized to perform: iam:ListRoles on resource: * because no session policy allows the iam:ListRoles action`
    })
  })

  it('is narrowed by the role\'s permissions boundary, also for sessions made before', async () => {
    const { iam } = t.emu.clients(await session('bounded'))
    await expect(iam.send(new ListRolesCommand({}))).resolves.toBeDefined()
    const boundary = await t.iam.send(new CreatePolicyCommand({ PolicyName: 'only-get-role', PolicyDocument: allowPolicy('iam:GetRole') }))
    await t.iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: ROLE, PermissionsBoundary: boundary.Policy?.Arn }))
    try {
      await expect(iam.send(new GetRoleCommand({ RoleName: ROLE }))).resolves.toBeDefined()
      await expect(iam.send(new ListRolesCommand({}))).rejects.toMatchObject({
        name: 'AccessDenied',
        message: `User: arn:aws:sts::000000000000:assumed-role/${ROLE}/bounded is not authorized to perform: iam:ListRoles on resource: * because no permissions boundary allows the iam:ListRoles action`
      })
    } finally {
      await t.iam.send(new DeleteRolePermissionsBoundaryCommand({ RoleName: ROLE }))
    }
  })

  it('loses a permission at once when its policy is detached', async () => {
    const extra = await t.iam.send(new CreatePolicyCommand({ PolicyName: 'lister', PolicyDocument: allowPolicy('iam:ListUsers') }))
    await t.iam.send(new AttachRolePolicyCommand({ RoleName: ROLE, PolicyArn: extra.Policy?.Arn }))
    const { iam } = t.emu.clients(await session('detached'))
    const { ListUsersCommand } = await import('@aws-sdk/client-iam')
    await expect(iam.send(new ListUsersCommand({}))).resolves.toBeDefined()
    await t.iam.send(new DetachRolePolicyCommand({ RoleName: ROLE, PolicyArn: extra.Policy?.Arn }))
    await expect(iam.send(new ListUsersCommand({}))).rejects.toMatchObject({ name: 'AccessDenied' })
  })

  it('is refused to a user the trust policy does not name when the role trusts only a service', async () => {
    await t.iam.send(new CreateRoleCommand({ RoleName: 'task-only', AssumeRolePolicyDocument: ECS_TASKS }))
    const creds = await userWithKey(t.iam, 'outsider', allowPolicy('sts:AssumeRole'))
    await expect(t.emu.clients(creds).sts.send(new AssumeRoleCommand({
      RoleArn: 'arn:aws:iam::000000000000:role/task-only', RoleSessionName: 'outsider'
    }))).rejects.toMatchObject({
      name: 'AccessDenied',
      message: 'User: arn:aws:iam::000000000000:user/outsider is not authorized to perform: sts:AssumeRole because no role trust policy allows the sts:AssumeRole action'
    })
  })
})

describe('Sessions of a deleted role', () => {
  it('keep no permissions when a role of the same name is created again', async () => {
    const { DeleteRoleCommand, DetachRolePolicyCommand: Detach } = await import('@aws-sdk/client-iam')
    await t.iam.send(new CreateRoleCommand({ RoleName: 'reborn', AssumeRolePolicyDocument: trustAccount() }))
    const policy = await t.iam.send(new CreatePolicyCommand({ PolicyName: 'reborn-reader', PolicyDocument: allowPolicy('iam:ListRoles') }))
    await t.iam.send(new AttachRolePolicyCommand({ RoleName: 'reborn', PolicyArn: policy.Policy?.Arn }))
    const creds = await userWithKey(t.iam, 'reborn-assumer', allowPolicy('sts:AssumeRole'))
    const out = await t.emu.clients(creds).sts.send(new AssumeRoleCommand({
      RoleArn: 'arn:aws:iam::000000000000:role/reborn', RoleSessionName: 'old'
    }))
    const { iam } = t.emu.clients(credentialsOf(out.Credentials!))
    await expect(iam.send(new ListRolesCommand({}))).resolves.toBeDefined()

    await t.iam.send(new Detach({ RoleName: 'reborn', PolicyArn: policy.Policy?.Arn }))
    await t.iam.send(new DeleteRoleCommand({ RoleName: 'reborn' }))
    await t.iam.send(new CreateRoleCommand({ RoleName: 'reborn', AssumeRolePolicyDocument: trustAccount() }))
    await t.iam.send(new AttachRolePolicyCommand({ RoleName: 'reborn', PolicyArn: policy.Policy?.Arn }))
    await expect(iam.send(new ListRolesCommand({}))).rejects.toMatchObject({ name: 'AccessDenied' })
  })
})
