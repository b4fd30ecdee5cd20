import { describe, expect, it } from 'vitest'
import {
  AttachRolePolicyCommand, CreateInstanceProfileCommand, AddRoleToInstanceProfileCommand, CreatePolicyCommand,
  CreateRoleCommand, CreateServiceLinkedRoleCommand, DeleteInstanceProfileCommand, DeleteRoleCommand,
  DeleteRolePermissionsBoundaryCommand, DeleteRolePolicyCommand, DeleteServiceLinkedRoleCommand,
  DetachRolePolicyCommand, GetAccountAuthorizationDetailsCommand, GetRoleCommand, GetRolePolicyCommand, GetServiceLinkedRoleDeletionStatusCommand,
  ListAttachedRolePoliciesCommand, ListRolePoliciesCommand, ListRolesCommand, ListRoleTagsCommand,
  PutRolePermissionsBoundaryCommand, PutRolePolicyCommand, RemoveRoleFromInstanceProfileCommand, TagRoleCommand,
  UntagRoleCommand, UpdateAssumeRolePolicyCommand, UpdateRoleCommand, UpdateRoleDescriptionCommand
} from '@aws-sdk/client-iam'
import { AssumeRoleCommand } from '@aws-sdk/client-sts'
import { ListClustersCommand } from '@aws-sdk/client-ecs'
import { useEmulator } from '../support/emulator.js'
import { allowPolicy, credentialsOf, trustAccount, trustService, userWithKey } from '../support/fixtures.js'
import { ECS_FOR_EC2, ECS_SERVICE_ROLE_POLICY, ECS_TASK_EXECUTION, decoded, unique } from './fixtures.js'

const t = useEmulator()

const ECS_TASKS = trustService('ecs-tasks.amazonaws.com')

async function role (name = unique('role'), extra: Partial<ConstructorParameters<typeof CreateRoleCommand>[0]> = {}): Promise<string> {
  await t.iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: ECS_TASKS, ...extra }))
  return name
}

describe('CreateRole', () => {
  it('creates ecsTaskExecutionRole on a fresh emulator', async () => {
    const out = await t.iam.send(new CreateRoleCommand({ RoleName: 'ecsTaskExecutionRole', AssumeRolePolicyDocument: ECS_TASKS }))
    expect(out.Role).toMatchObject({
      RoleName: 'ecsTaskExecutionRole', Path: '/', Arn: 'arn:aws:iam::000000000000:role/ecsTaskExecutionRole',
      MaxSessionDuration: 3600
    })
    expect(out.Role?.RoleId).toMatch(/^AROA[A-Z2-7]{17}$/)
    expect(out.Role?.AssumeRolePolicyDocument).toBe(encodeURIComponent(ECS_TASKS))
  })

  it('keeps the path, description, tags and session duration', async () => {
    const out = await t.iam.send(new CreateRoleCommand({
      RoleName: 'pathed', AssumeRolePolicyDocument: ECS_TASKS, Path: '/app/', Description: 'for the app',
      MaxSessionDuration: 7200, Tags: [{ Key: 'team', Value: 'a' }]
    }))
    expect(out.Role).toMatchObject({
      Arn: 'arn:aws:iam::000000000000:role/app/pathed', Path: '/app/', Description: 'for the app',
      MaxSessionDuration: 7200, Tags: [{ Key: 'team', Value: 'a' }]
    })
  })

  it('fails with EntityAlreadyExists when the name is taken, whatever its case', async () => {
    const name = await role()
    await expect(t.iam.send(new CreateRoleCommand({ RoleName: name.toUpperCase(), AssumeRolePolicyDocument: ECS_TASKS })))
      .rejects.toMatchObject({
        name: 'EntityAlreadyExistsException', message: `Role with name ${name.toUpperCase()} already exists.`,
        $metadata: { httpStatusCode: 409 }
      })
  })

  it('fails with MalformedPolicyDocument for a service principal that does not exist', async () => {
    await expect(role(undefined, { AssumeRolePolicyDocument: trustService('ecs-task.amazonaws.com') })).rejects.toMatchObject({
      name: 'MalformedPolicyDocumentException', message: 'Invalid principal in policy: "SERVICE":"ecs-task.amazonaws.com"',
      $metadata: { httpStatusCode: 400 }
    })
  })

  it('accepts the service principals ECS roles use', async () => {
    for (const service of ['ecs-tasks.amazonaws.com', 'ec2.amazonaws.com', 'ecs.amazonaws.com',
      'elasticloadbalancing.amazonaws.com', 'lambda.amazonaws.com', 'events.amazonaws.com',
      'ecs.application-autoscaling.amazonaws.com']) {
      await expect(role(undefined, { AssumeRolePolicyDocument: trustService(service) })).resolves.toBeDefined()
    }
  })

  it('fails with MalformedPolicyDocument for a role principal that does not exist', async () => {
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::000000000000:role/nobody' }, Action: 'sts:AssumeRole' }] })
    await expect(role(undefined, { AssumeRolePolicyDocument: doc })).rejects.toMatchObject({
      name: 'MalformedPolicyDocumentException', message: 'Invalid principal in policy: "AWS":"arn:aws:iam::000000000000:role/nobody"'
    })
  })

  it('fails with MalformedPolicyDocument for JSON that does not parse', async () => {
    await expect(role(undefined, { AssumeRolePolicyDocument: '{"Version": "2012-10-17",' })).rejects.toMatchObject({
      name: 'MalformedPolicyDocumentException', message: 'This policy contains invalid Json'
    })
  })

  it('fails with MalformedPolicyDocument for a trust policy with a Resource', async () => {
    await expect(role(undefined, { AssumeRolePolicyDocument: allowPolicy('sts:AssumeRole') })).rejects.toMatchObject({
      name: 'MalformedPolicyDocumentException', message: 'Has prohibited field Resource'
    })
  })

  it('fails with MalformedPolicyDocument for a trust statement without a principal', async () => {
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }] })
    await expect(role(undefined, { AssumeRolePolicyDocument: doc })).rejects.toMatchObject({
      name: 'MalformedPolicyDocumentException',
      message: 'Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: The passed in policy has a statement with no principals!'
    })
  })

  it('fails with ValidationError for a MaxSessionDuration under an hour', async () => {
    await expect(role(undefined, { MaxSessionDuration: 60 })).rejects.toMatchObject({
      name: 'ValidationError',
      message: "1 validation error detected: Value '60' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600"
    })
  })

  it('fails with ValidationError for a MaxSessionDuration over twelve hours', async () => {
    await expect(role(undefined, { MaxSessionDuration: 43201 })).rejects.toMatchObject({
      name: 'ValidationError',
      message: "1 validation error detected: Value '43201' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200"
    })
  })

  it('fails with LimitExceeded for a trust policy over 2048 characters', async () => {
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow',
      Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole', Sid: 'x'.repeat(2100) }] })
    await expect(role(undefined, { AssumeRolePolicyDocument: doc })).rejects.toMatchObject({
      name: 'LimitExceededException', message: 'Cannot exceed quota for ACLSizePerRole: 2048'
    })
  })
})

describe('GetRole', () => {
  it('answers the trust policy URL-encoded', async () => {
    const name = await role()
    const out = await t.iam.send(new GetRoleCommand({ RoleName: name }))
    expect(decoded(out.Role?.AssumeRolePolicyDocument)).toEqual(JSON.parse(ECS_TASKS))
    expect(out.Role?.RoleLastUsed).toEqual({})
  })

  it('shows when, and in which region, one of the role\'s sessions last made a request', async () => {
    const name = await role(undefined, { AssumeRolePolicyDocument: trustAccount() })
    const arn = `arn:aws:iam::000000000000:role/${name}`
    const assumer = await userWithKey(t.iam, unique('assumer'), allowPolicy('sts:AssumeRole', arn))
    const { Credentials } = await t.emu.clients(assumer).sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'work' }))
    expect((await t.iam.send(new GetRoleCommand({ RoleName: name }))).Role?.RoleLastUsed).toEqual({})

    const before = Date.now() - 1000
    // Denied (the role has no policy), and still a use of the role.
    await expect(t.emu.clients(credentialsOf(Credentials!), 'eu-west-1').ecs.send(new ListClustersCommand({}))).rejects.toMatchObject({ name: 'AccessDeniedException' })
    const used = (await t.iam.send(new GetRoleCommand({ RoleName: name }))).Role?.RoleLastUsed
    expect(used?.Region).toBe('eu-west-1')
    expect(used?.LastUsedDate!.getTime()).toBeGreaterThanOrEqual(before)
    expect(used?.LastUsedDate!.getTime()).toBeLessThanOrEqual(Date.now())
    const details = await t.iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['Role'] }))
    expect(details.RoleDetailList?.find(r => r.RoleName === name)?.RoleLastUsed).toEqual(used)
    expect((await t.iam.send(new ListRolesCommand({}))).Roles?.find(r => r.RoleName === name)?.RoleLastUsed).toBeUndefined()
  })

  it('finds a role whatever the case of its name', async () => {
    const name = await role()
    const out = await t.iam.send(new GetRoleCommand({ RoleName: name.toUpperCase() }))
    expect(out.Role?.RoleName).toBe(name)
  })

  it('fails with NoSuchEntity when the role is missing', async () => {
    await expect(t.iam.send(new GetRoleCommand({ RoleName: 'ecsTaskExecutionRole2' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException', message: 'The role with name ecsTaskExecutionRole2 cannot be found.',
      $metadata: { httpStatusCode: 404 }
    })
  })
})

describe('ListRoles', () => {
  it('filters by PathPrefix and leaves out tags', async () => {
    await role('listed-a', { Path: '/listing/', Tags: [{ Key: 'k', Value: 'v' }] })
    await role('listed-b', { Path: '/listing/deeper/' })
    const out = await t.iam.send(new ListRolesCommand({ PathPrefix: '/listing/' }))
    expect(out.Roles?.map(r => r.RoleName)).toEqual(['listed-a', 'listed-b'])
    expect(out.Roles?.[0].Tags).toBeUndefined()
  })

  it('pages with Marker and MaxItems', async () => {
    for (const n of ['page-1', 'page-2', 'page-3']) await role(n, { Path: '/paging/' })
    const first = await t.iam.send(new ListRolesCommand({ PathPrefix: '/paging/', MaxItems: 2 }))
    expect(first).toMatchObject({ IsTruncated: true })
    expect(first.Roles?.map(r => r.RoleName)).toEqual(['page-1', 'page-2'])
    const second = await t.iam.send(new ListRolesCommand({ PathPrefix: '/paging/', MaxItems: 2, Marker: first.Marker }))
    expect(second.Roles?.map(r => r.RoleName)).toEqual(['page-3'])
    expect(second.IsTruncated).toBe(false)
  })
})

describe('UpdateRole', () => {
  it('changes the description and the session duration', async () => {
    const name = await role()
    await t.iam.send(new UpdateRoleCommand({ RoleName: name, Description: 'new', MaxSessionDuration: 43200 }))
    const out = await t.iam.send(new GetRoleCommand({ RoleName: name }))
    expect(out.Role).toMatchObject({ Description: 'new', MaxSessionDuration: 43200 })
  })

  it('fails with NoSuchEntity when the role is missing', async () => {
    await expect(t.iam.send(new UpdateRoleCommand({ RoleName: 'gone', Description: 'x' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException', message: 'The role with name gone cannot be found.'
    })
  })
})

describe('UpdateRoleDescription', () => {
  it('answers the role with its new description', async () => {
    const name = await role()
    const out = await t.iam.send(new UpdateRoleDescriptionCommand({ RoleName: name, Description: 'described' }))
    expect(out.Role).toMatchObject({ RoleName: name, Description: 'described' })
  })
})

describe('UpdateAssumeRolePolicy', () => {
  it('replaces the trust policy', async () => {
    const name = await role()
    await t.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: name, PolicyDocument: trustService('ec2.amazonaws.com') }))
    const out = await t.iam.send(new GetRoleCommand({ RoleName: name }))
    expect(decoded(out.Role?.AssumeRolePolicyDocument)).toEqual(JSON.parse(trustService('ec2.amazonaws.com')))
  })

  it('fails with MalformedPolicyDocument for a misspelt service', async () => {
    const name = await role()
    await expect(t.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: name, PolicyDocument: trustService('ecs-task.amazonaws.com') })))
      .rejects.toMatchObject({ name: 'MalformedPolicyDocumentException', message: 'Invalid principal in policy: "SERVICE":"ecs-task.amazonaws.com"' })
  })
})

describe('DeleteRole', () => {
  it('deletes a role with nothing attached', async () => {
    const name = await role()
    await t.iam.send(new DeleteRoleCommand({ RoleName: name }))
    await expect(t.iam.send(new GetRoleCommand({ RoleName: name }))).rejects.toMatchObject({ name: 'NoSuchEntityException' })
  })

  it('fails with DeleteConflict while a managed policy is attached', async () => {
    const name = await role()
    await t.iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: ECS_TASK_EXECUTION }))
    await expect(t.iam.send(new DeleteRoleCommand({ RoleName: name }))).rejects.toMatchObject({
      name: 'DeleteConflictException', message: 'Cannot delete entity, must detach all policies first.',
      $metadata: { httpStatusCode: 409 }
    })
  })

  it('fails with DeleteConflict while an inline policy exists', async () => {
    const name = await role()
    await t.iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'p', PolicyDocument: allowPolicy('s3:GetObject') }))
    await expect(t.iam.send(new DeleteRoleCommand({ RoleName: name }))).rejects.toMatchObject({
      name: 'DeleteConflictException', message: 'Cannot delete entity, must delete policies first.'
    })
  })

  it('fails with DeleteConflict while the role is in an instance profile', async () => {
    const name = await role()
    await t.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: name }))
    await t.iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: name }))
    await expect(t.iam.send(new DeleteRoleCommand({ RoleName: name }))).rejects.toMatchObject({
      name: 'DeleteConflictException', message: 'Cannot delete entity, must remove roles from instance profile first.'
    })
    await t.iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: name, RoleName: name }))
    await t.iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: name }))
    await t.iam.send(new DeleteRoleCommand({ RoleName: name }))
  })

  it('fails with NoSuchEntity when the role is missing', async () => {
    await expect(t.iam.send(new DeleteRoleCommand({ RoleName: 'never' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException', message: 'The role with name never cannot be found.'
    })
  })
})

describe('TagRole', () => {
  it('adds and overwrites tags, and UntagRole removes them', async () => {
    const name = await role(undefined, { Tags: [{ Key: 'a', Value: '1' }] })
    await t.iam.send(new TagRoleCommand({ RoleName: name, Tags: [{ Key: 'a', Value: '2' }, { Key: 'b', Value: '3' }] }))
    expect((await t.iam.send(new ListRoleTagsCommand({ RoleName: name }))).Tags).toEqual([
      { Key: 'a', Value: '2' }, { Key: 'b', Value: '3' }])
    await t.iam.send(new UntagRoleCommand({ RoleName: name, TagKeys: ['a'] }))
    const out = await t.iam.send(new ListRoleTagsCommand({ RoleName: name }))
    expect(out).toMatchObject({ Tags: [{ Key: 'b', Value: '3' }], IsTruncated: false })
  })

  it('fails with NoSuchEntity when the role is missing', async () => {
    await expect(t.iam.send(new ListRoleTagsCommand({ RoleName: 'absent' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException', message: 'The role with name absent cannot be found.'
    })
    await expect(t.iam.send(new TagRoleCommand({ RoleName: 'absent', Tags: [{ Key: 'a', Value: 'b' }] })))
      .rejects.toMatchObject({ name: 'NoSuchEntityException' })
    await expect(t.iam.send(new UntagRoleCommand({ RoleName: 'absent', TagKeys: ['a'] })))
      .rejects.toMatchObject({ name: 'NoSuchEntityException' })
  })
})

describe('PutRolePermissionsBoundary', () => {
  it('sets and removes the boundary shown by GetRole', async () => {
    const name = await role()
    await t.iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: name, PermissionsBoundary: ECS_TASK_EXECUTION }))
    expect((await t.iam.send(new GetRoleCommand({ RoleName: name }))).Role?.PermissionsBoundary).toEqual({
      PermissionsBoundaryType: 'PermissionsBoundaryPolicy', PermissionsBoundaryArn: ECS_TASK_EXECUTION })
    await t.iam.send(new DeleteRolePermissionsBoundaryCommand({ RoleName: name }))
    expect((await t.iam.send(new GetRoleCommand({ RoleName: name }))).Role?.PermissionsBoundary).toBeUndefined()
  })

  it('fails with NoSuchEntity for a boundary policy that does not exist', async () => {
    const name = await role()
    const arn = 'arn:aws:iam::aws:policy/AmazonECSTaskExecutionRolePolicy'
    await expect(t.iam.send(new PutRolePermissionsBoundaryCommand({ RoleName: name, PermissionsBoundary: arn })))
      .rejects.toMatchObject({ name: 'NoSuchEntityException', message: `Scope ARN: ${arn} does not exist or is not attachable.` })
  })
})

describe('PutRolePolicy', () => {
  it('stores an inline policy that GetRolePolicy answers URL-encoded', async () => {
    const name = await role()
    const doc = allowPolicy(['logs:CreateLogStream', 'logs:PutLogEvents'])
    await t.iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'logs', PolicyDocument: doc }))
    const out = await t.iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: 'logs' }))
    expect(out).toMatchObject({ RoleName: name, PolicyName: 'logs' })
    expect(decoded(out.PolicyDocument)).toEqual(JSON.parse(doc))
    expect((await t.iam.send(new ListRolePoliciesCommand({ RoleName: name }))).PolicyNames).toEqual(['logs'])
  })

  it('accepts an action that does not exist, as AWS does', async () => {
    const name = await role()
    await t.iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'typo', PolicyDocument: allowPolicy('ecs:RunTasks') }))
    expect((await t.iam.send(new ListRolePoliciesCommand({ RoleName: name }))).PolicyNames).toEqual(['typo'])
  })

  it('fails with MalformedPolicyDocument for a statement with a principal', async () => {
    const name = await role()
    await expect(t.iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'p', PolicyDocument: ECS_TASKS })))
      .rejects.toMatchObject({ name: 'MalformedPolicyDocumentException', message: 'Policy document should not specify a principal.' })
  })

  it('fails with MalformedPolicyDocument for a statement without resources', async () => {
    const name = await role()
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject' }] })
    await expect(t.iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'p', PolicyDocument: doc })))
      .rejects.toMatchObject({ name: 'MalformedPolicyDocumentException', message: 'Policy statement must contain resources.' })
  })

  it('fails with MalformedPolicyDocument for a resource that is not an ARN', async () => {
    const name = await role()
    await expect(t.iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'p', PolicyDocument: allowPolicy('kms:Decrypt', '') })))
      .rejects.toMatchObject({ name: 'MalformedPolicyDocumentException', message: 'Resource  must be in ARN format or "*".' })
  })

  it('fails with MalformedPolicyDocument for JSON that does not parse', async () => {
    const name = await role()
    await expect(t.iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'p', PolicyDocument: '{"Statement": [}' })))
      .rejects.toMatchObject({ name: 'MalformedPolicyDocumentException', message: 'Syntax errors in policy.' })
  })

  it('fails with NoSuchEntity when the role is missing', async () => {
    await expect(t.iam.send(new PutRolePolicyCommand({ RoleName: 'absent', PolicyName: 'p', PolicyDocument: allowPolicy('s3:*') })))
      .rejects.toMatchObject({ name: 'NoSuchEntityException', message: 'The role with name absent cannot be found.' })
  })
})

describe('GetRolePolicy', () => {
  it('fails with NoSuchEntity when the policy is missing', async () => {
    const name = await role()
    await expect(t.iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: 'nope' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException', message: 'The role policy with name nope cannot be found.'
    })
  })
})

describe('DeleteRolePolicy', () => {
  it('deletes the inline policy, then answers NoSuchEntity', async () => {
    const name = await role()
    await t.iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'p', PolicyDocument: allowPolicy('s3:*') }))
    await t.iam.send(new DeleteRolePolicyCommand({ RoleName: name, PolicyName: 'p' }))
    await expect(t.iam.send(new DeleteRolePolicyCommand({ RoleName: name, PolicyName: 'p' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException', message: 'The role policy with name p cannot be found.'
    })
  })
})

describe('AttachRolePolicy', () => {
  it('attaches AWS managed policies by their ARN with path', async () => {
    const name = await role()
    await t.iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: ECS_TASK_EXECUTION }))
    await t.iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: ECS_FOR_EC2 }))
    const out = await t.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name }))
    expect(out.AttachedPolicies).toEqual([
      { PolicyName: 'AmazonECSTaskExecutionRolePolicy', PolicyArn: ECS_TASK_EXECUTION },
      { PolicyName: 'AmazonEC2ContainerServiceforEC2Role', PolicyArn: ECS_FOR_EC2 }])
    const filtered = await t.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name, PathPrefix: '/job-function/' }))
    expect(filtered.AttachedPolicies).toEqual([])
  })

  it('fails with NoSuchEntity for an AWS managed ARN without its path', async () => {
    const name = await role()
    const arn = 'arn:aws:iam::aws:policy/AmazonECSTaskExecutionRolePolicy'
    await expect(t.iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: arn }))).rejects.toMatchObject({
      name: 'NoSuchEntityException', message: `Policy ${arn} does not exist or is not attachable.`,
      $metadata: { httpStatusCode: 404 }
    })
  })

  it('fails with PolicyNotAttachable for a service-role policy', async () => {
    const name = await role()
    await expect(t.iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: ECS_SERVICE_ROLE_POLICY })))
      .rejects.toMatchObject({ name: 'PolicyNotAttachableException', message: 'Cannot attach a Service Role Policy to a Customer Role.' })
  })

  it('fails with LimitExceeded for an eleventh managed policy', async () => {
    const name = await role()
    for (let i = 0; i < 10; i++) {
      const p = await t.iam.send(new CreatePolicyCommand({ PolicyName: unique('limit'), PolicyDocument: allowPolicy('s3:GetObject') }))
      await t.iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: p.Policy?.Arn }))
    }
    await expect(t.iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: ECS_TASK_EXECUTION }))).rejects.toMatchObject({
      name: 'LimitExceededException', message: 'Cannot exceed quota for PoliciesPerRole: 10'
    })
  })

  it('fails with NoSuchEntity when the role is missing', async () => {
    await expect(t.iam.send(new AttachRolePolicyCommand({ RoleName: 'absent', PolicyArn: ECS_TASK_EXECUTION })))
      .rejects.toMatchObject({ name: 'NoSuchEntityException', message: 'The role with name absent cannot be found.' })
  })
})

describe('DetachRolePolicy', () => {
  it('detaches, then answers NoSuchEntity for a policy not attached', async () => {
    const name = await role()
    await t.iam.send(new AttachRolePolicyCommand({ RoleName: name, PolicyArn: ECS_TASK_EXECUTION }))
    await t.iam.send(new DetachRolePolicyCommand({ RoleName: name, PolicyArn: ECS_TASK_EXECUTION }))
    expect((await t.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: name }))).AttachedPolicies).toEqual([])
    await expect(t.iam.send(new DetachRolePolicyCommand({ RoleName: name, PolicyArn: ECS_TASK_EXECUTION }))).rejects.toMatchObject({
      name: 'NoSuchEntityException', message: `Policy ${ECS_TASK_EXECUTION} was not found.`
    })
  })
})

describe('CreateServiceLinkedRole', () => {
  it('creates AWSServiceRoleForECS with its path, trust policy and policy', async () => {
    const out = await t.iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'ecs.amazonaws.com' }))
    expect(out.Role).toMatchObject({
      RoleName: 'AWSServiceRoleForECS', Path: '/aws-service-role/ecs.amazonaws.com/',
      Arn: 'arn:aws:iam::000000000000:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS'
    })
    expect(decoded(out.Role?.AssumeRolePolicyDocument)).toEqual(JSON.parse(trustService('ecs.amazonaws.com')))
    const attached = await t.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'AWSServiceRoleForECS' }))
    expect(attached.AttachedPolicies).toEqual([{ PolicyName: 'AmazonECSServiceRolePolicy', PolicyArn: ECS_SERVICE_ROLE_POLICY }])
  })

  it('fails with InvalidInput the second time', async () => {
    await expect(t.iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'ecs.amazonaws.com' }))).rejects.toMatchObject({
      name: 'InvalidInputException',
      message: 'Service role name AWSServiceRoleForECS has been taken in this account, please try a different suffix.',
      $metadata: { httpStatusCode: 400 }
    })
  })

  it('fails with InvalidInput for a service it cannot name a role for', async () => {
    await expect(t.iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'nonsense.amazonaws.com' })))
      .rejects.toMatchObject({ name: 'InvalidInputException' })
  })

  it('protects the role from customer changes with UnmodifiableEntity', async () => {
    const message = "Cannot perform the operation on the protected role 'AWSServiceRoleForECS' - this role is only modifiable by AWS"
    await expect(t.iam.send(new DeleteRoleCommand({ RoleName: 'AWSServiceRoleForECS' })))
      .rejects.toMatchObject({ name: 'UnmodifiableEntityException', message })
    await expect(t.iam.send(new PutRolePolicyCommand({ RoleName: 'AWSServiceRoleForECS', PolicyName: 'p', PolicyDocument: allowPolicy('s3:*') })))
      .rejects.toMatchObject({ name: 'UnmodifiableEntityException', message })
    await expect(t.iam.send(new AttachRolePolicyCommand({ RoleName: 'AWSServiceRoleForECS', PolicyArn: ECS_TASK_EXECUTION })))
      .rejects.toMatchObject({ name: 'UnmodifiableEntityException', message })
    await expect(t.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'AWSServiceRoleForECS', PolicyDocument: trustAccount() })))
      .rejects.toMatchObject({ name: 'UnmodifiableEntityException', message })
  })
})

describe('DeleteServiceLinkedRole', () => {
  it('deletes the role and reports the deletion task as SUCCEEDED', async () => {
    await t.iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'elasticloadbalancing.amazonaws.com' }))
    const out = await t.iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: 'AWSServiceRoleForElasticLoadBalancing' }))
    expect(out.DeletionTaskId).toMatch(/^task\/aws-service-role\/elasticloadbalancing\.amazonaws\.com\/AWSServiceRoleForElasticLoadBalancing\/[0-9a-f-]{36}$/)
    const status = await t.iam.send(new GetServiceLinkedRoleDeletionStatusCommand({ DeletionTaskId: out.DeletionTaskId }))
    expect(status.Status).toBe('SUCCEEDED')
    await expect(t.iam.send(new GetRoleCommand({ RoleName: 'AWSServiceRoleForElasticLoadBalancing' })))
      .rejects.toMatchObject({ name: 'NoSuchEntityException' })
  })

  it('fails with NoSuchEntity when the role is missing', async () => {
    await expect(t.iam.send(new DeleteServiceLinkedRoleCommand({ RoleName: 'AWSServiceRoleForNothing' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException', message: 'The role with name AWSServiceRoleForNothing cannot be found.'
    })
  })

  it('fails with NoSuchEntity for an unknown deletion task', async () => {
    await expect(t.iam.send(new GetServiceLinkedRoleDeletionStatusCommand({
      DeletionTaskId: 'task/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS/00000000-0000-0000-0000-000000000000'
    }))).rejects.toMatchObject({ name: 'NoSuchEntityException' })
  })
})
