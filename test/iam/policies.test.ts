import { describe, expect, it } from 'vitest'
import {
  AttachRolePolicyCommand, AttachUserPolicyCommand, CreatePolicyCommand, CreatePolicyVersionCommand, CreateRoleCommand,
  CreateUserCommand, DeletePolicyCommand, DeletePolicyVersionCommand, DetachRolePolicyCommand, GetPolicyCommand,
  GetPolicyVersionCommand, ListEntitiesForPolicyCommand, ListPoliciesCommand, ListPolicyTagsCommand,
  ListPolicyVersionsCommand, PutRolePermissionsBoundaryCommand, SetDefaultPolicyVersionCommand, TagPolicyCommand,
  UntagPolicyCommand
} from '@aws-sdk/client-iam'
import { useEmulator } from '../support/emulator.js'
import { allowPolicy, trustService } from '../support/fixtures.js'
import { ECS_FOR_EC2, ECS_SERVICE_ROLE_POLICY, ECS_TASK_EXECUTION, decoded, unique } from './fixtures.js'

const t = useEmulator()

async function policy (name = unique('pol'), doc = allowPolicy('s3:GetObject'), extra = {}): Promise<string> {
  const out = await t.iam.send(new CreatePolicyCommand({ PolicyName: name, PolicyDocument: doc, ...extra }))
  return out.Policy!.Arn!
}

describe('CreatePolicy', () => {
  it('creates a customer managed policy at v1', async () => {
    const out = await t.iam.send(new CreatePolicyCommand({
      PolicyName: 'deploy', Path: '/ci/', PolicyDocument: allowPolicy('ecs:*'), Description: 'deploys', Tags: [{ Key: 'a', Value: 'b' }]
    }))
    expect(out.Policy).toMatchObject({
      PolicyName: 'deploy', Arn: 'arn:aws:iam::000000000000:policy/ci/deploy', Path: '/ci/', DefaultVersionId: 'v1',
      AttachmentCount: 0, PermissionsBoundaryUsageCount: 0, IsAttachable: true, Tags: [{ Key: 'a', Value: 'b' }]
    })
    expect(out.Policy?.PolicyId).toMatch(/^ANPA[A-Z2-7]{17}$/)
  })

  it('fails with EntityAlreadyExists for a name already used, on any path', async () => {
    const name = unique('dup')
    await policy(name)
    await expect(t.iam.send(new CreatePolicyCommand({ PolicyName: name, Path: '/other/', PolicyDocument: allowPolicy('s3:*') })))
      .rejects.toMatchObject({
        name: 'EntityAlreadyExistsException', message: `A policy called ${name} already exists. Duplicate names are not allowed.`,
        $metadata: { httpStatusCode: 409 }
      })
  })

  it('fails with MalformedPolicyDocument for a trailing comma', async () => {
    await expect(policy(undefined, '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},]}'))
      .rejects.toMatchObject({ name: 'MalformedPolicyDocumentException', message: 'Syntax errors in policy.' })
  })

  it('fails with MalformedPolicyDocument for a statement without actions', async () => {
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Resource: '*' }] })
    await expect(policy(undefined, doc)).rejects.toMatchObject({
      name: 'MalformedPolicyDocumentException', message: 'Policy statement must contain actions.'
    })
  })

  it('fails with MalformedPolicyDocument for an action with two colons', async () => {
    await expect(policy(undefined, allowPolicy('s3:Get:Object'))).rejects.toMatchObject({
      name: 'MalformedPolicyDocumentException', message: 'Actions/Condition can contain only one colon.'
    })
  })

  it('fails with LimitExceeded for a document over 6144 characters', async () => {
    const big = allowPolicy(Array.from({ length: 400 }, (_, i) => `s3:GetObjectNumber${i}`))
    await expect(policy(undefined, big)).rejects.toMatchObject({
      name: 'LimitExceededException', message: 'Cannot exceed quota for PolicySize: 6144'
    })
  })
})

describe('GetPolicy', () => {
  it('answers an AWS managed policy with its default version', async () => {
    const out = await t.iam.send(new GetPolicyCommand({ PolicyArn: ECS_FOR_EC2 }))
    expect(out.Policy).toMatchObject({
      PolicyName: 'AmazonEC2ContainerServiceforEC2Role', Path: '/service-role/', DefaultVersionId: 'v10', IsAttachable: true
    })
  })

  it('counts attachments', async () => {
    const arn = await policy()
    const role = unique('counted')
    await t.iam.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: trustService('ec2.amazonaws.com') }))
    await t.iam.send(new AttachRolePolicyCommand({ RoleName: role, PolicyArn: arn }))
    expect((await t.iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.AttachmentCount).toBe(1)
  })

  it('fails with NoSuchEntity for a policy that does not exist', async () => {
    const arn = 'arn:aws:iam::000000000000:policy/none'
    await expect(t.iam.send(new GetPolicyCommand({ PolicyArn: arn }))).rejects.toMatchObject({
      name: 'NoSuchEntityException', message: `Policy ${arn} was not found.`, $metadata: { httpStatusCode: 404 }
    })
  })
})

describe('ListPolicies', () => {
  it('lists local policies only with Scope Local', async () => {
    const arn = await policy(unique('local'), allowPolicy('s3:*'), { Path: '/listed/' })
    const out = await t.iam.send(new ListPoliciesCommand({ Scope: 'Local', PathPrefix: '/listed/' }))
    expect(out.Policies?.map(p => p.Arn)).toEqual([arn])
  })

  it('lists every AWS managed policy with Scope AWS, a page at a time', async () => {
    const first = await t.iam.send(new ListPoliciesCommand({ Scope: 'AWS', MaxItems: 1000 }))
    const second = await t.iam.send(new ListPoliciesCommand({ Scope: 'AWS', MaxItems: 1000, Marker: first.Marker }))
    expect(first.IsTruncated).toBe(true)
    expect((first.Policies?.length ?? 0) + (second.Policies?.length ?? 0)).toBe(1594)
  })

  it('lists only attached policies with OnlyAttached', async () => {
    const role = unique('attached')
    await t.iam.send(new CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: trustService('ecs-tasks.amazonaws.com') }))
    await t.iam.send(new AttachRolePolicyCommand({ RoleName: role, PolicyArn: ECS_TASK_EXECUTION }))
    const out = await t.iam.send(new ListPoliciesCommand({ Scope: 'AWS', OnlyAttached: true }))
    // The emulator's own instance role (ecs-emulator-instance-role) holds the EC2 one.
    expect(out.Policies?.map(p => p.Arn).sort()).toEqual([
      'arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role', ECS_TASK_EXECUTION
    ])
  })

  it('filters AWS managed policies by path', async () => {
    const out = await t.iam.send(new ListPoliciesCommand({ Scope: 'AWS', PathPrefix: '/aws-service-role/', MaxItems: 1000 }))
    expect(out.Policies?.map(p => p.Arn)).toContain(ECS_SERVICE_ROLE_POLICY)
    expect(out.Policies?.every(p => p.Path === '/aws-service-role/')).toBe(true)
  })
})

describe('DeletePolicy', () => {
  it('deletes a policy nothing uses', async () => {
    const arn = await policy()
    await t.iam.send(new DeletePolicyCommand({ PolicyArn: arn }))
    await expect(t.iam.send(new GetPolicyCommand({ PolicyArn: arn }))).rejects.toMatchObject({ name: 'NoSuchEntityException' })
  })

  it('fails with DeleteConflict while attached', async () => {
    const arn = await policy()
    const user = unique('holder')
    await t.iam.send(new CreateUserCommand({ UserName: user }))
    await t.iam.send(new AttachUserPolicyCommand({ UserName: user, PolicyArn: arn }))
    await expect(t.iam.send(new DeletePolicyCommand({ PolicyArn: arn }))).rejects.toMatchObject({
      name: 'DeleteConflictException', message: 'Cannot delete a policy attached to entities.', $metadata: { httpStatusCode: 409 }
    })
  })

  it('fails with DeleteConflict while it has more than one version', async () => {
    const arn = await policy()
    await t.iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: allowPolicy('s3:PutObject') }))
    await expect(t.iam.send(new DeletePolicyCommand({ PolicyArn: arn }))).rejects.toMatchObject({
      name: 'DeleteConflictException',
      message: "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy."
    })
  })

  it('fails with NoSuchEntity for a policy that does not exist', async () => {
    await expect(t.iam.send(new DeletePolicyCommand({ PolicyArn: 'arn:aws:iam::000000000000:policy/none' })))
      .rejects.toMatchObject({ name: 'NoSuchEntityException' })
  })
})

describe('CreatePolicyVersion', () => {
  it('adds versions, sets the default, and stops at five', async () => {
    const arn = await policy()
    const v2 = await t.iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: allowPolicy('s3:PutObject'), SetAsDefault: true }))
    expect(v2.PolicyVersion).toMatchObject({ VersionId: 'v2', IsDefaultVersion: true })
    for (const v of ['v3', 'v4', 'v5']) {
      const out = await t.iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: allowPolicy('s3:ListBucket') }))
      expect(out.PolicyVersion).toMatchObject({ VersionId: v, IsDefaultVersion: false })
    }
    await expect(t.iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: allowPolicy('s3:*') }))).rejects.toMatchObject({
      name: 'LimitExceededException',
      message: 'A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.',
      $metadata: { httpStatusCode: 409 }
    })
    expect((await t.iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.DefaultVersionId).toBe('v2')
  })

  it('never reuses a deleted version id', async () => {
    const arn = await policy()
    await t.iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: allowPolicy('s3:PutObject') }))
    await t.iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v2' }))
    const out = await t.iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: allowPolicy('s3:PutObject') }))
    expect(out.PolicyVersion?.VersionId).toBe('v3')
  })

  it('fails with NoSuchEntity for a policy that does not exist', async () => {
    await expect(t.iam.send(new CreatePolicyVersionCommand({ PolicyArn: 'arn:aws:iam::000000000000:policy/none', PolicyDocument: allowPolicy('s3:*') })))
      .rejects.toMatchObject({ name: 'NoSuchEntityException' })
  })
})

describe('GetPolicyVersion', () => {
  it('answers a customer version URL-encoded', async () => {
    const doc = allowPolicy('ecr:GetAuthorizationToken')
    const arn = await policy(undefined, doc)
    const out = await t.iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }))
    expect(out.PolicyVersion).toMatchObject({ VersionId: 'v1', IsDefaultVersion: true })
    expect(decoded(out.PolicyVersion?.Document)).toEqual(JSON.parse(doc))
  })

  it('answers the ECS task execution policy as published (v1)', async () => {
    const out = await t.iam.send(new GetPolicyVersionCommand({ PolicyArn: ECS_TASK_EXECUTION, VersionId: 'v1' }))
    expect(decoded(out.PolicyVersion?.Document)).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Resource: '*', Action: ['ecr:GetAuthorizationToken', 'ecr:BatchCheckLayerAvailability',
        'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage', 'logs:CreateLogStream', 'logs:PutLogEvents'] }]
    })
  })

  it('answers an older version of an AWS managed policy', async () => {
    const out = await t.iam.send(new GetPolicyVersionCommand({ PolicyArn: ECS_FOR_EC2, VersionId: 'v1' }))
    expect(out.PolicyVersion).toMatchObject({ VersionId: 'v1', IsDefaultVersion: false })
  })

  it('fails with NoSuchEntity for a version that does not exist', async () => {
    const arn = await policy()
    await expect(t.iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v9' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException', message: `Policy ${arn} version v9 does not exist or is not attachable.`
    })
  })
})

describe('ListPolicyVersions', () => {
  it('lists versions newest first', async () => {
    const arn = await policy()
    await t.iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: allowPolicy('s3:PutObject') }))
    const out = await t.iam.send(new ListPolicyVersionsCommand({ PolicyArn: arn }))
    expect(out.Versions?.map(v => [v.VersionId, v.IsDefaultVersion])).toEqual([['v2', false], ['v1', true]])
  })

  it('lists the versions of the ECS service-linked role policy (default v24)', async () => {
    const out = await t.iam.send(new ListPolicyVersionsCommand({ PolicyArn: ECS_SERVICE_ROLE_POLICY }))
    expect(out.Versions?.[0]).toMatchObject({ VersionId: 'v24', IsDefaultVersion: true })
  })
})

describe('DeletePolicyVersion', () => {
  it('fails with DeleteConflict for the default version', async () => {
    const arn = await policy()
    await expect(t.iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }))).rejects.toMatchObject({
      name: 'DeleteConflictException', message: 'Cannot delete the default version of a policy.'
    })
  })

  it('fails with NoSuchEntity for a version that does not exist', async () => {
    const arn = await policy()
    await expect(t.iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v3' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException', message: `Policy ${arn} version v3 does not exist or is not attachable.`
    })
  })
})

describe('SetDefaultPolicyVersion', () => {
  it('moves the default version', async () => {
    const arn = await policy()
    await t.iam.send(new CreatePolicyVersionCommand({ PolicyArn: arn, PolicyDocument: allowPolicy('s3:PutObject') }))
    await t.iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v2' }))
    expect((await t.iam.send(new GetPolicyCommand({ PolicyArn: arn }))).Policy?.DefaultVersionId).toBe('v2')
    await t.iam.send(new DeletePolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }))
  })

  it('fails with NoSuchEntity for a version that does not exist', async () => {
    const arn = await policy()
    await expect(t.iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v7' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException', message: `Policy ${arn} version v7 does not exist or is not attachable.`
    })
  })
})

describe('TagPolicy', () => {
  it('tags, lists and untags', async () => {
    const arn = await policy()
    await t.iam.send(new TagPolicyCommand({ PolicyArn: arn, Tags: [{ Key: 'x', Value: '1' }, { Key: 'y', Value: '2' }] }))
    await t.iam.send(new UntagPolicyCommand({ PolicyArn: arn, TagKeys: ['x'] }))
    expect((await t.iam.send(new ListPolicyTagsCommand({ PolicyArn: arn }))).Tags).toEqual([{ Key: 'y', Value: '2' }])
  })

  it('fails with NoSuchEntity for a policy that does not exist', async () => {
    const arn = 'arn:aws:iam::000000000000:policy/none'
    await expect(t.iam.send(new ListPolicyTagsCommand({ PolicyArn: arn }))).rejects.toMatchObject({ name: 'NoSuchEntityException' })
    await expect(t.iam.send(new TagPolicyCommand({ PolicyArn: arn, Tags: [{ Key: 'a', Value: 'b' }] }))).rejects.toMatchObject({ name: 'NoSuchEntityException' })
    await expect(t.iam.send(new UntagPolicyCommand({ PolicyArn: arn, TagKeys: ['a'] }))).rejects.toMatchObject({ name: 'NoSuchEntityException' })
  })
})

describe('ListEntitiesForPolicy', () => {
  it('lists the roles and users a policy is attached to, and boundary uses', async () => {
    const arn = await policy()
    const role = unique('ent-role')
    const bounded = unique('ent-bounded')
    const user = unique('ent-user')
    for (const r of [role, bounded]) {
      await t.iam.send(new CreateRoleCommand({ RoleName: r, AssumeRolePolicyDocument: trustService('ec2.amazonaws.com') }))
    }
    await t.iam.send(new CreateUserCommand({ UserName: user }))
    await t.iam.send(new AttachRolePolicyCommand({ RoleName: role, PolicyArn: arn }))
    await t.iam.send(new AttachUserPolicyCommand({ UserName: user, PolicyArn: arn }))
    await t.iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: bounded, PermissionsBoundary: arn }))

    const all = await t.iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn }))
    expect(all.PolicyRoles?.map(r => r.RoleName).sort()).toEqual([role, bounded].sort())
    expect(all.PolicyUsers?.map(u => u.UserName)).toEqual([user])
    expect(all.PolicyGroups).toEqual([])

    const attached = await t.iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn, PolicyUsageFilter: 'PermissionsPolicy', EntityFilter: 'Role' }))
    expect(attached.PolicyRoles?.map(r => r.RoleName)).toEqual([role])
    expect(attached.PolicyUsers).toEqual([])

    await t.iam.send(new DetachRolePolicyCommand({ RoleName: role, PolicyArn: arn }))
    const boundary = await t.iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: arn, PolicyUsageFilter: 'PermissionsBoundary' }))
    expect(boundary.PolicyRoles?.map(r => r.RoleName)).toEqual([bounded])
  })

  it('fails with NoSuchEntity for a policy that does not exist', async () => {
    await expect(t.iam.send(new ListEntitiesForPolicyCommand({ PolicyArn: 'arn:aws:iam::aws:policy/Nope' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException', message: 'Policy arn:aws:iam::aws:policy/Nope was not found.'
    })
  })
})
