import { describe, expect, it } from 'vitest'
import {
  CreateSecretCommand, DeleteResourcePolicyCommand, DeleteSecretCommand, DescribeSecretCommand,
  GetResourcePolicyCommand, GetSecretValueCommand, ListSecretsCommand, PutResourcePolicyCommand,
  PutSecretValueCommand, RestoreSecretCommand, TagResourceCommand, UntagResourceCommand,
  UpdateSecretCommand
} from '@aws-sdk/client-secrets-manager'
import { useEmulator } from '../support/emulator.js'
import { ACCOUNT, allowPolicy, failure, policyDocument, userWithKey } from '../support/fixtures.js'

const t = useEmulator()

const ARN = new RegExp(`^arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:prod/db-[A-Za-z0-9]{6}$`)

describe('CreateSecret', () => {
  it('creates a string secret with an ARN suffix and an AWSCURRENT version', async () => {
    const out = await t.secretsmanager.send(new CreateSecretCommand({
      Name: 'prod/db', SecretString: 'hunter2', Description: 'db', KmsKeyId: 'alias/mine',
      Tags: [{ Key: 'team', Value: 'web' }], ClientRequestToken: 'a'.repeat(32)
    }))
    expect(out.ARN).toMatch(ARN)
    expect(out.Name).toBe('prod/db')
    expect(out.VersionId).toBe('a'.repeat(32))
  })

  it('creates a binary secret', async () => {
    await t.secretsmanager.send(new CreateSecretCommand({ Name: 'bin', SecretBinary: Buffer.from([1, 2, 3]) }))
    const out = await t.secretsmanager.send(new GetSecretValueCommand({ SecretId: 'bin' }))
    expect(Buffer.from(out.SecretBinary!)).toEqual(Buffer.from([1, 2, 3]))
    expect(out.SecretString).toBeUndefined()
  })

  it('fails with ResourceExistsException when the name is taken', async () => {
    const e = await failure(t.secretsmanager.send(new CreateSecretCommand({ Name: 'prod/db', SecretString: 'x' })))
    expect(e.name).toBe('ResourceExistsException')
    expect(e.message).toBe('The operation failed because the secret prod/db already exists.')
  })

  it('fails with InvalidParameterException when both a string and a binary are given', async () => {
    const e = await failure(t.secretsmanager.send(new CreateSecretCommand({
      Name: 'both', SecretString: 'x', SecretBinary: Buffer.from('y')
    })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe("You can't specify both a binary secret value and a string secret value in the same secret.")
  })

  it('fails with ValidationException when the name is too long', async () => {
    const e = await failure(t.secretsmanager.send(new CreateSecretCommand({ Name: 'n'.repeat(513), SecretString: 'x' })))
    expect(e.name).toBe('ValidationException')
    expect(e.message).toMatch(/^1 validation error detected: Value .* at 'name' failed to satisfy constraint: Member must have length less than or equal to 512$/)
  })
})

describe('GetSecretValue', () => {
  it('reads by name, full ARN and partial ARN', async () => {
    const { ARN: arn } = await t.secretsmanager.send(new DescribeSecretCommand({ SecretId: 'prod/db' }))
    const partial = arn!.slice(0, -7)
    for (const id of ['prod/db', arn!, partial]) {
      const out = await t.secretsmanager.send(new GetSecretValueCommand({ SecretId: id }))
      expect(out).toMatchObject({ ARN: arn, Name: 'prod/db', SecretString: 'hunter2', VersionStages: ['AWSCURRENT'] })
      expect(out.CreatedDate).toBeInstanceOf(Date)
    }
  })

  it('fails with ResourceNotFoundException when the secret is missing', async () => {
    const e = await failure(t.secretsmanager.send(new GetSecretValueCommand({ SecretId: 'nope' })))
    expect(e.name).toBe('ResourceNotFoundException')
    expect(e.message).toBe("Secrets Manager can't find the specified secret.")
  })

  it('fails with ResourceNotFoundException for a full ARN with another suffix', async () => {
    const { ARN: arn } = await t.secretsmanager.send(new DescribeSecretCommand({ SecretId: 'prod/db' }))
    const other = arn!.slice(0, -6) + (arn!.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA')
    const e = await failure(t.secretsmanager.send(new GetSecretValueCommand({ SecretId: other })))
    expect(e.name).toBe('ResourceNotFoundException')
    expect(e.message).toBe("Secrets Manager can't find the specified secret.")
  })

  it('fails for AWSPREVIOUS before any PutSecretValue', async () => {
    const e = await failure(t.secretsmanager.send(new GetSecretValueCommand({ SecretId: 'prod/db', VersionStage: 'AWSPREVIOUS' })))
    expect(e.name).toBe('ResourceNotFoundException')
    expect(e.message).toBe("Secrets Manager can't find the specified secret value for staging label: AWSPREVIOUS")
  })

  it('fails for a VersionId the secret does not have', async () => {
    const id = 'b'.repeat(32)
    const e = await failure(t.secretsmanager.send(new GetSecretValueCommand({ SecretId: 'prod/db', VersionId: id })))
    expect(e.name).toBe('ResourceNotFoundException')
    expect(e.message).toBe(`Secrets Manager can't find the specified secret value for VersionId: ${id}`)
  })
})

describe('PutSecretValue', () => {
  it('moves AWSCURRENT to the new version and AWSPREVIOUS to the old one', async () => {
    const put = await t.secretsmanager.send(new PutSecretValueCommand({
      SecretId: 'prod/db', SecretString: 'hunter3', ClientRequestToken: 'c'.repeat(32)
    }))
    expect(put).toMatchObject({ Name: 'prod/db', VersionId: 'c'.repeat(32), VersionStages: ['AWSCURRENT'] })
    const current = await t.secretsmanager.send(new GetSecretValueCommand({ SecretId: 'prod/db' }))
    expect(current.SecretString).toBe('hunter3')
    const previous = await t.secretsmanager.send(new GetSecretValueCommand({ SecretId: 'prod/db', VersionStage: 'AWSPREVIOUS' }))
    expect(previous).toMatchObject({ SecretString: 'hunter2', VersionId: 'a'.repeat(32), VersionStages: ['AWSPREVIOUS'] })
    const byId = await t.secretsmanager.send(new GetSecretValueCommand({ SecretId: 'prod/db', VersionId: 'a'.repeat(32) }))
    expect(byId.SecretString).toBe('hunter2')
  })

  it('fails with ResourceExistsException when a used token comes with another value', async () => {
    const e = await failure(t.secretsmanager.send(new PutSecretValueCommand({
      SecretId: 'prod/db', SecretString: 'other', ClientRequestToken: 'c'.repeat(32)
    })))
    expect(e.name).toBe('ResourceExistsException')
    expect(e.message).toBe("You can't modify an existing version, you can only create a new version.")
  })
})

describe('DescribeSecret', () => {
  it('shows the versions with their stages, the tags and the dates', async () => {
    const out = await t.secretsmanager.send(new DescribeSecretCommand({ SecretId: 'prod/db' }))
    expect(out).toMatchObject({
      Name: 'prod/db', Description: 'db', KmsKeyId: 'alias/mine',
      Tags: [{ Key: 'team', Value: 'web' }],
      VersionIdsToStages: { ['a'.repeat(32)]: ['AWSPREVIOUS'], ['c'.repeat(32)]: ['AWSCURRENT'] }
    })
    expect(out.CreatedDate).toBeInstanceOf(Date)
    expect(out.LastChangedDate).toBeInstanceOf(Date)
    expect(out.DeletedDate).toBeUndefined()
  })
})

describe('UpdateSecret', () => {
  it('changes the description and adds a version for a new value', async () => {
    await t.secretsmanager.send(new CreateSecretCommand({ Name: 'upd', SecretString: 'v1' }))
    const out = await t.secretsmanager.send(new UpdateSecretCommand({ SecretId: 'upd', Description: 'new', SecretString: 'v2' }))
    expect(out.VersionId).toBeDefined()
    const d = await t.secretsmanager.send(new DescribeSecretCommand({ SecretId: 'upd' }))
    expect(d.Description).toBe('new')
    const v = await t.secretsmanager.send(new GetSecretValueCommand({ SecretId: 'upd' }))
    expect(v.SecretString).toBe('v2')
  })
})

describe('ListSecrets', () => {
  it('filters by name, tag-key and description and pages', async () => {
    await t.secretsmanager.send(new CreateSecretCommand({ Name: 'list/a', SecretString: 'x', Description: 'alpha' }))
    await t.secretsmanager.send(new CreateSecretCommand({ Name: 'list/b', SecretString: 'x', Tags: [{ Key: 'k', Value: 'v' }] }))
    const byName = await t.secretsmanager.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: ['list/'] }] }))
    expect(byName.SecretList!.map(s => s.Name)).toEqual(['list/a', 'list/b'])
    expect(byName.SecretList![0].SecretVersionsToStages).toBeDefined()
    const byTag = await t.secretsmanager.send(new ListSecretsCommand({ Filters: [{ Key: 'tag-key', Values: ['k'] }] }))
    expect(byTag.SecretList!.map(s => s.Name)).toEqual(['list/b'])
    const byDescription = await t.secretsmanager.send(new ListSecretsCommand({ Filters: [{ Key: 'description', Values: ['alp'] }] }))
    expect(byDescription.SecretList!.map(s => s.Name)).toEqual(['list/a'])
    const first = await t.secretsmanager.send(new ListSecretsCommand({ MaxResults: 1, Filters: [{ Key: 'name', Values: ['list/'] }] }))
    expect(first.SecretList!.map(s => s.Name)).toEqual(['list/a'])
    const second = await t.secretsmanager.send(new ListSecretsCommand({ MaxResults: 1, NextToken: first.NextToken, Filters: [{ Key: 'name', Values: ['list/'] }] }))
    expect(second.SecretList!.map(s => s.Name)).toEqual(['list/b'])
    expect(second.NextToken).toBeUndefined()
  })
})

describe('DeleteSecret', () => {
  it('schedules the deletion 30 days out; the secret then refuses reads until restored', async () => {
    await t.secretsmanager.send(new CreateSecretCommand({ Name: 'gone', SecretString: 'x' }))
    const out = await t.secretsmanager.send(new DeleteSecretCommand({ SecretId: 'gone' }))
    expect(out.DeletionDate!.getTime() - Date.now()).toBeGreaterThan(29 * 86_400_000)
    const d = await t.secretsmanager.send(new DescribeSecretCommand({ SecretId: 'gone' }))
    expect(d.DeletedDate).toBeInstanceOf(Date)
    const e = await failure(t.secretsmanager.send(new GetSecretValueCommand({ SecretId: 'gone' })))
    expect(e.name).toBe('InvalidRequestException')
    expect(e.message).toBe("You can't perform this operation on the secret because it was marked for deletion.")
    const listed = await t.secretsmanager.send(new ListSecretsCommand({ Filters: [{ Key: 'name', Values: ['gone'] }] }))
    expect(listed.SecretList).toEqual([])

    const restored = await t.secretsmanager.send(new RestoreSecretCommand({ SecretId: 'gone' }))
    expect(restored.Name).toBe('gone')
    const v = await t.secretsmanager.send(new GetSecretValueCommand({ SecretId: 'gone' }))
    expect(v.SecretString).toBe('x')
  })

  it('refuses a new secret of the name while the old one is scheduled for deletion', async () => {
    await t.secretsmanager.send(new CreateSecretCommand({ Name: 'pending', SecretString: 'x' }))
    await t.secretsmanager.send(new DeleteSecretCommand({ SecretId: 'pending', RecoveryWindowInDays: 7 }))
    const e = await failure(t.secretsmanager.send(new CreateSecretCommand({ Name: 'pending', SecretString: 'y' })))
    expect(e.name).toBe('InvalidRequestException')
    expect(e.message).toBe("You can't create this secret because a secret with this name is already scheduled for deletion.")
  })

  it('deletes at once with ForceDeleteWithoutRecovery', async () => {
    await t.secretsmanager.send(new CreateSecretCommand({ Name: 'force', SecretString: 'x' }))
    await t.secretsmanager.send(new DeleteSecretCommand({ SecretId: 'force', ForceDeleteWithoutRecovery: true }))
    const e = await failure(t.secretsmanager.send(new DescribeSecretCommand({ SecretId: 'force' })))
    expect(e.name).toBe('ResourceNotFoundException')
    await t.secretsmanager.send(new CreateSecretCommand({ Name: 'force', SecretString: 'again' }))
  })

  it('fails with InvalidParameterException for a window outside 7-30 days', async () => {
    const e = await failure(t.secretsmanager.send(new DeleteSecretCommand({ SecretId: 'prod/db', RecoveryWindowInDays: 6 })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe('The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).')
  })
})

describe('TagResource', () => {
  it('adds and removes tags', async () => {
    await t.secretsmanager.send(new TagResourceCommand({ SecretId: 'upd', Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] }))
    await t.secretsmanager.send(new UntagResourceCommand({ SecretId: 'upd', TagKeys: ['a'] }))
    const d = await t.secretsmanager.send(new DescribeSecretCommand({ SecretId: 'upd' }))
    expect(d.Tags).toEqual([{ Key: 'b', Value: '2' }])
  })
})

describe('PutResourcePolicy', () => {
  it('stores, returns and deletes the policy', async () => {
    const policy = policyDocument({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'secretsmanager:GetSecretValue', Resource: '*' })
    const put = await t.secretsmanager.send(new PutResourcePolicyCommand({ SecretId: 'upd', ResourcePolicy: policy }))
    expect(put.Name).toBe('upd')
    const got = await t.secretsmanager.send(new GetResourcePolicyCommand({ SecretId: 'upd' }))
    expect(JSON.parse(got.ResourcePolicy!)).toEqual(JSON.parse(policy))
    await t.secretsmanager.send(new DeleteResourcePolicyCommand({ SecretId: 'upd' }))
    const none = await t.secretsmanager.send(new GetResourcePolicyCommand({ SecretId: 'upd' }))
    expect(none.ResourcePolicy).toBeUndefined()
  })

  it('fails with MalformedPolicyDocumentException for a policy that does not parse', async () => {
    const e = await failure(t.secretsmanager.send(new PutResourcePolicyCommand({ SecretId: 'upd', ResourcePolicy: '{not json' })))
    expect(e.name).toBe('MalformedPolicyDocumentException')
    expect(e.message).toBe('This resource policy contains a syntax error.')
  })

  it('denies GetSecretValue through a Deny in the resource policy', async () => {
    const { ARN: arn } = await t.secretsmanager.send(new CreateSecretCommand({ Name: 'guarded', SecretString: 'x' }))
    const creds = await userWithKey(t.iam, 'reader', allowPolicy('secretsmanager:GetSecretValue'))
    const reader = t.emu.clients(creds).secretsmanager
    expect((await reader.send(new GetSecretValueCommand({ SecretId: 'guarded' }))).SecretString).toBe('x')

    await t.secretsmanager.send(new PutResourcePolicyCommand({
      SecretId: 'guarded',
      ResourcePolicy: policyDocument({ Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/reader` }, Action: 'secretsmanager:GetSecretValue', Resource: '*' })
    }))
    const e = await failure(reader.send(new GetSecretValueCommand({ SecretId: 'guarded' })))
    expect(e.name).toBe('AccessDeniedException')
    expect(e.message).toBe(`User: arn:aws:iam::${ACCOUNT}:user/reader is not authorized to perform: secretsmanager:GetSecretValue on resource: ${arn} with an explicit deny in a resource-based policy`)
  })
})

describe('secretsmanager:ResourceTag', () => {
  it('lets a policy match the secret tags by the service key as well as by aws:ResourceTag', async () => {
    await t.secretsmanager.send(new CreateSecretCommand({ Name: 'tagged-web', SecretString: 'w', Tags: [{ Key: 'team', Value: 'web' }] }))
    await t.secretsmanager.send(new CreateSecretCommand({ Name: 'tagged-db', SecretString: 'd', Tags: [{ Key: 'team', Value: 'db' }] }))
    const creds = await userWithKey(t.iam, 'web-reader', policyDocument({
      Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*',
      Condition: { StringEquals: { 'secretsmanager:ResourceTag/team': 'web' } }
    }))
    const sm = t.emu.clients(creds).secretsmanager
    expect((await sm.send(new GetSecretValueCommand({ SecretId: 'tagged-web' }))).SecretString).toBe('w')
    const denied = await failure(sm.send(new GetSecretValueCommand({ SecretId: 'tagged-db' })))
    expect(denied.name).toBe('AccessDeniedException')
    expect(denied.message).toMatch(/^User: arn:aws:iam::000000000000:user\/web-reader is not authorized to perform: secretsmanager:GetSecretValue on resource: arn:aws:secretsmanager:us-east-1:000000000000:secret:tagged-db-[A-Za-z0-9]{6} because no identity-based policy allows the secretsmanager:GetSecretValue action$/)
  })
})
