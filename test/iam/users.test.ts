import { describe, expect, it } from 'vitest'
import {
  AttachUserPolicyCommand, CreateAccessKeyCommand, CreateUserCommand, DeleteAccessKeyCommand, DeleteUserCommand,
  DeleteUserPermissionsBoundaryCommand, DeleteUserPolicyCommand, DetachUserPolicyCommand, GetUserCommand,
  GetUserPolicyCommand, ListAccessKeysCommand, ListAttachedUserPoliciesCommand, ListUserPoliciesCommand,
  ListUsersCommand, ListUserTagsCommand, PutUserPermissionsBoundaryCommand, PutUserPolicyCommand, TagUserCommand,
  UntagUserCommand, UpdateAccessKeyCommand, UpdateUserCommand
} from '@aws-sdk/client-iam'
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts'
import { startEmulator, useEmulator } from '../support/emulator.js'
import { allowPolicy } from '../support/fixtures.js'
import { ECS_TASK_EXECUTION, decoded, unique } from './fixtures.js'

const t = useEmulator()

async function user (name = unique('user'), extra: Partial<ConstructorParameters<typeof CreateUserCommand>[0]> = {}): Promise<string> {
  await t.iam.send(new CreateUserCommand({ UserName: name, ...extra }))
  return name
}

describe('CreateUser', () => {
  it('creates a user with its path and tags', async () => {
    const out = await t.iam.send(new CreateUserCommand({ UserName: 'deployer', Path: '/ci/', Tags: [{ Key: 'team', Value: 'ops' }] }))
    expect(out.User).toMatchObject({
      UserName: 'deployer', Path: '/ci/', Arn: 'arn:aws:iam::000000000000:user/ci/deployer', Tags: [{ Key: 'team', Value: 'ops' }]
    })
    expect(out.User?.UserId).toMatch(/^AIDA[A-Z2-7]{17}$/)
  })

  it('fails with EntityAlreadyExists when the name is taken', async () => {
    const name = await user()
    await expect(t.iam.send(new CreateUserCommand({ UserName: name }))).rejects.toMatchObject({
      name: 'EntityAlreadyExistsException', message: `User with name ${name} already exists.`, $metadata: { httpStatusCode: 409 }
    })
  })

  it('fails with ValidationError for a name with a space', async () => {
    await expect(t.iam.send(new CreateUserCommand({ UserName: 'bad name' }))).rejects.toMatchObject({
      name: 'ValidationError',
      message: "1 validation error detected: Value 'bad name' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"
    })
  })
})

describe('GetUser', () => {
  it('answers the named user', async () => {
    const name = await user()
    const out = await t.iam.send(new GetUserCommand({ UserName: name }))
    expect(out.User).toMatchObject({ UserName: name, Path: '/' })
  })

  it('answers the calling user when no name is given', async () => {
    const name = await user()
    const key = await t.iam.send(new CreateAccessKeyCommand({ UserName: name }))
    await t.iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'self', PolicyDocument: allowPolicy('iam:GetUser') }))
    const self = t.emu.clients({ accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey! }).iam
    const out = await self.send(new GetUserCommand({}))
    expect(out.User?.UserName).toBe(name)
  })

  it('fails with NoSuchEntity when the user is missing', async () => {
    await expect(t.iam.send(new GetUserCommand({ UserName: 'nobody' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException', message: 'The user with name nobody cannot be found.', $metadata: { httpStatusCode: 404 }
    })
  })
})

describe('ListUsers', () => {
  it('lists users under a path without their tags', async () => {
    await user('lu-a', { Path: '/lu/', Tags: [{ Key: 'k', Value: 'v' }] })
    await user('lu-b', { Path: '/lu/' })
    const out = await t.iam.send(new ListUsersCommand({ PathPrefix: '/lu/' }))
    expect(out.Users?.map(u => u.UserName)).toEqual(['lu-a', 'lu-b'])
    expect(out.Users?.[0].Tags).toBeUndefined()
    expect(out.IsTruncated).toBe(false)
  })
})

describe('UpdateUser', () => {
  it('renames a user and moves its keys and policies', async () => {
    const name = await user()
    await t.iam.send(new CreateAccessKeyCommand({ UserName: name }))
    await t.iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: allowPolicy('s3:*') }))
    await t.iam.send(new UpdateUserCommand({ UserName: name, NewUserName: `${name}-new`, NewPath: '/moved/' }))
    const out = await t.iam.send(new GetUserCommand({ UserName: `${name}-new` }))
    expect(out.User?.Arn).toBe(`arn:aws:iam::000000000000:user/moved/${name}-new`)
    expect((await t.iam.send(new ListAccessKeysCommand({ UserName: `${name}-new` }))).AccessKeyMetadata).toHaveLength(1)
    expect((await t.iam.send(new ListUserPoliciesCommand({ UserName: `${name}-new` }))).PolicyNames).toEqual(['p'])
    await expect(t.iam.send(new GetUserCommand({ UserName: name }))).rejects.toMatchObject({ name: 'NoSuchEntityException' })
  })

  it('fails with NoSuchEntity when the user is missing', async () => {
    await expect(t.iam.send(new UpdateUserCommand({ UserName: 'nobody', NewPath: '/x/' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException', message: 'The user with name nobody cannot be found.'
    })
  })
})

describe('DeleteUser', () => {
  it('fails with DeleteConflict while the user has access keys', async () => {
    const name = await user()
    const key = await t.iam.send(new CreateAccessKeyCommand({ UserName: name }))
    await expect(t.iam.send(new DeleteUserCommand({ UserName: name }))).rejects.toMatchObject({
      name: 'DeleteConflictException', message: 'Cannot delete entity, must delete access keys first.', $metadata: { httpStatusCode: 409 }
    })
    await t.iam.send(new DeleteAccessKeyCommand({ UserName: name, AccessKeyId: key.AccessKey?.AccessKeyId }))
    await t.iam.send(new DeleteUserCommand({ UserName: name }))
  })

  it('fails with DeleteConflict while the user has policies', async () => {
    const name = await user()
    await t.iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: allowPolicy('s3:*') }))
    await expect(t.iam.send(new DeleteUserCommand({ UserName: name }))).rejects.toMatchObject({
      name: 'DeleteConflictException', message: 'Cannot delete entity, must delete policies first.'
    })
    await t.iam.send(new DeleteUserPolicyCommand({ UserName: name, PolicyName: 'p' }))
    await t.iam.send(new AttachUserPolicyCommand({ UserName: name, PolicyArn: ECS_TASK_EXECUTION }))
    await expect(t.iam.send(new DeleteUserCommand({ UserName: name }))).rejects.toMatchObject({
      name: 'DeleteConflictException', message: 'Cannot delete entity, must detach all policies first.'
    })
  })

  it('fails with NoSuchEntity when the user is missing', async () => {
    await expect(t.iam.send(new DeleteUserCommand({ UserName: 'nobody' }))).rejects.toMatchObject({ name: 'NoSuchEntityException' })
  })
})

describe('TagUser', () => {
  it('tags, lists and untags', async () => {
    const name = await user()
    await t.iam.send(new TagUserCommand({ UserName: name, Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] }))
    await t.iam.send(new UntagUserCommand({ UserName: name, TagKeys: ['a'] }))
    expect((await t.iam.send(new ListUserTagsCommand({ UserName: name }))).Tags).toEqual([{ Key: 'b', Value: '2' }])
  })

  it('fails with InvalidInput for tag keys that differ only in case', async () => {
    const name = await user()
    await expect(t.iam.send(new TagUserCommand({ UserName: name, Tags: [{ Key: 'a', Value: '1' }, { Key: 'A', Value: '2' }] })))
      .rejects.toMatchObject({ name: 'InvalidInputException' })
  })

  it('fails with NoSuchEntity when the user is missing', async () => {
    await expect(t.iam.send(new ListUserTagsCommand({ UserName: 'nobody' }))).rejects.toMatchObject({ name: 'NoSuchEntityException' })
    await expect(t.iam.send(new UntagUserCommand({ UserName: 'nobody', TagKeys: ['a'] }))).rejects.toMatchObject({ name: 'NoSuchEntityException' })
  })
})

describe('CreateAccessKey', () => {
  it('creates an AKIA key with a 40-character secret that signs requests', async () => {
    const name = await user()
    const out = await t.iam.send(new CreateAccessKeyCommand({ UserName: name }))
    expect(out.AccessKey).toMatchObject({ UserName: name, Status: 'Active' })
    expect(out.AccessKey?.AccessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/)
    expect(out.AccessKey?.SecretAccessKey).toHaveLength(40)
    const { sts } = t.emu.clients({ accessKeyId: out.AccessKey!.AccessKeyId!, secretAccessKey: out.AccessKey!.SecretAccessKey! })
    expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toBe(`arn:aws:iam::000000000000:user/${name}`)
  })

  it('fails with LimitExceeded for a third key', async () => {
    const name = await user()
    await t.iam.send(new CreateAccessKeyCommand({ UserName: name }))
    await t.iam.send(new CreateAccessKeyCommand({ UserName: name }))
    await expect(t.iam.send(new CreateAccessKeyCommand({ UserName: name }))).rejects.toMatchObject({
      name: 'LimitExceededException', message: 'Cannot exceed quota for AccessKeysPerUser: 2'
    })
  })

  it('fails with NoSuchEntity when the user is missing', async () => {
    await expect(t.iam.send(new CreateAccessKeyCommand({ UserName: 'nobody' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException', message: 'The user with name nobody cannot be found.'
    })
  })
})

describe('UpdateAccessKey', () => {
  it('deactivates a key, which then no longer signs', async () => {
    const name = await user()
    const key = (await t.iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!
    await t.iam.send(new UpdateAccessKeyCommand({ UserName: name, AccessKeyId: key.AccessKeyId, Status: 'Inactive' }))
    expect((await t.iam.send(new ListAccessKeysCommand({ UserName: name }))).AccessKeyMetadata?.[0].Status).toBe('Inactive')
    const { sts } = t.emu.clients({ accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! })
    await expect(sts.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: 'InvalidClientTokenId' })
  })

  it('fails with NoSuchEntity for a key of another user', async () => {
    const name = await user()
    await expect(t.iam.send(new UpdateAccessKeyCommand({ UserName: name, AccessKeyId: 'AKIAAAAAAAAAAAAAAAAA', Status: 'Inactive' })))
      .rejects.toMatchObject({ name: 'NoSuchEntityException', message: 'The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found.' })
  })
})

describe('DeleteAccessKey', () => {
  it('fails with NoSuchEntity for a key that does not exist', async () => {
    const name = await user()
    await expect(t.iam.send(new DeleteAccessKeyCommand({ UserName: name, AccessKeyId: 'AKIAAAAAAAAAAAAAAAAB' })))
      .rejects.toMatchObject({ name: 'NoSuchEntityException', message: 'The Access Key with id AKIAAAAAAAAAAAAAAAAB cannot be found.' })
  })
})

describe('PutUserPolicy', () => {
  it('stores an inline policy that GetUserPolicy answers URL-encoded', async () => {
    const name = await user()
    const doc = allowPolicy('ecs:ListClusters')
    await t.iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'ecs', PolicyDocument: doc }))
    const out = await t.iam.send(new GetUserPolicyCommand({ UserName: name, PolicyName: 'ecs' }))
    expect(decoded(out.PolicyDocument)).toEqual(JSON.parse(doc))
    expect((await t.iam.send(new ListUserPoliciesCommand({ UserName: name }))).PolicyNames).toEqual(['ecs'])
  })

  it('fails with LimitExceeded past 2048 characters of inline policies', async () => {
    const name = await user()
    const big = allowPolicy(Array.from({ length: 120 }, (_, i) => `s3:GetObject${i}`))
    await expect(t.iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'big', PolicyDocument: big })))
      .rejects.toMatchObject({ name: 'LimitExceededException', message: `Maximum policy size of 2048 bytes exceeded for user ${name}` })
  })

  it('fails with MalformedPolicyDocument for an action without a service', async () => {
    const name = await user()
    await expect(t.iam.send(new PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: allowPolicy('GetObject') })))
      .rejects.toMatchObject({ name: 'MalformedPolicyDocumentException' })
  })
})

describe('GetUserPolicy', () => {
  it('fails with NoSuchEntity when the policy is missing', async () => {
    const name = await user()
    await expect(t.iam.send(new GetUserPolicyCommand({ UserName: name, PolicyName: 'none' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException', message: 'The user policy with name none cannot be found.'
    })
  })
})

describe('DeleteUserPolicy', () => {
  it('fails with NoSuchEntity when the policy is missing', async () => {
    const name = await user()
    await expect(t.iam.send(new DeleteUserPolicyCommand({ UserName: name, PolicyName: 'none' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException', message: 'The user policy with name none cannot be found.'
    })
  })
})

describe('AttachUserPolicy', () => {
  it('attaches, lists and detaches a managed policy', async () => {
    const name = await user()
    await t.iam.send(new AttachUserPolicyCommand({ UserName: name, PolicyArn: ECS_TASK_EXECUTION }))
    expect((await t.iam.send(new ListAttachedUserPoliciesCommand({ UserName: name }))).AttachedPolicies).toEqual([
      { PolicyName: 'AmazonECSTaskExecutionRolePolicy', PolicyArn: ECS_TASK_EXECUTION }])
    await t.iam.send(new DetachUserPolicyCommand({ UserName: name, PolicyArn: ECS_TASK_EXECUTION }))
    expect((await t.iam.send(new ListAttachedUserPoliciesCommand({ UserName: name }))).AttachedPolicies).toEqual([])
  })

  it('fails with NoSuchEntity for a policy that does not exist', async () => {
    const name = await user()
    const arn = 'arn:aws:iam::000000000000:policy/missing'
    await expect(t.iam.send(new AttachUserPolicyCommand({ UserName: name, PolicyArn: arn }))).rejects.toMatchObject({
      name: 'NoSuchEntityException', message: `Policy ${arn} does not exist or is not attachable.`
    })
  })

  it('fails with NoSuchEntity on detach of a policy not attached', async () => {
    const name = await user()
    await expect(t.iam.send(new DetachUserPolicyCommand({ UserName: name, PolicyArn: ECS_TASK_EXECUTION }))).rejects.toMatchObject({
      name: 'NoSuchEntityException', message: `Policy ${ECS_TASK_EXECUTION} was not found.`
    })
  })
})

describe('PutUserPermissionsBoundary', () => {
  it('sets and removes the boundary shown by GetUser', async () => {
    const name = await user()
    await t.iam.send(new PutUserPermissionsBoundaryCommand({ UserName: name, PermissionsBoundary: ECS_TASK_EXECUTION }))
    expect((await t.iam.send(new GetUserCommand({ UserName: name }))).User?.PermissionsBoundary?.PermissionsBoundaryArn).toBe(ECS_TASK_EXECUTION)
    await t.iam.send(new DeleteUserPermissionsBoundaryCommand({ UserName: name }))
    expect((await t.iam.send(new GetUserCommand({ UserName: name }))).User?.PermissionsBoundary).toBeUndefined()
  })

  it('fails with NoSuchEntity when the user is missing', async () => {
    await expect(t.iam.send(new PutUserPermissionsBoundaryCommand({ UserName: 'nobody', PermissionsBoundary: ECS_TASK_EXECUTION })))
      .rejects.toMatchObject({ name: 'NoSuchEntityException', message: 'The user with name nobody cannot be found.' })
    await expect(t.iam.send(new DeleteUserPermissionsBoundaryCommand({ UserName: 'nobody' })))
      .rejects.toMatchObject({ name: 'NoSuchEntityException' })
  })
})

describe('GetUser as root', () => {
  // AWS answers the root user without UserName and Path, which its own model marks required:
  // this emulator answers as AWS does, so this file's conformance check names exactly that.
  it('answers the root user without UserName', async () => {
    const other = await startEmulator()
    const out = await other.clients().iam.send(new GetUserCommand({}))
    await other.close()
    expect(out.User).toMatchObject({ UserId: '000000000000', Arn: 'arn:aws:iam::000000000000:root' })
    expect(out.User?.UserName).toBeUndefined()
    // Root has no user ARN either: the call is authorized on the root's own ARN.
    expect(other.violations).toEqual([
      'iam.GetUser (200): User.Path: missing required member',
      'iam.GetUser (200): User.UserName: missing required member',
      "iam:GetUser authorized on 'arn:aws:iam::000000000000:root', but the SAR has: user"
    ])
  })
})
