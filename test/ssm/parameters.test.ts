import { describe, expect, it } from 'vitest'
import {
  AddTagsToResourceCommand, DeleteParameterCommand, DeleteParametersCommand,
  DescribeParametersCommand, GetParameterCommand, GetParametersByPathCommand,
  GetParametersCommand, ListTagsForResourceCommand, PutParameterCommand,
  RemoveTagsFromResourceCommand
} from '@aws-sdk/client-ssm'
import { useEmulator } from '../support/emulator.js'
import { ACCOUNT, allowPolicy, failure, userWithKey } from '../support/fixtures.js'
import { ecsOptimizedAmi } from '../../src/ssm/parameter.js'

const t = useEmulator()

const arn = (name: string) => `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/${name}`

describe('PutParameter', () => {
  it('creates version 1 and overwrites to version 2', async () => {
    const first = await t.ssm.send(new PutParameterCommand({ Name: '/prod/db/user', Value: 'admin', Type: 'String', Tags: [{ Key: 'team', Value: 'web' }] }))
    expect(first).toMatchObject({ Version: 1, Tier: 'Standard' })
    const second = await t.ssm.send(new PutParameterCommand({ Name: '/prod/db/user', Value: 'root', Overwrite: true }))
    expect(second.Version).toBe(2)
  })

  it('fails with ParameterAlreadyExists without Overwrite', async () => {
    const e = await failure(t.ssm.send(new PutParameterCommand({ Name: '/prod/db/user', Value: 'x', Type: 'String' })))
    expect(e.name).toBe('ParameterAlreadyExists')
    expect(e.message).toBe('The parameter already exists. To overwrite this value, set the overwrite option in the request to true.')
  })

  it('fails with ValidationException for a missing required member', async () => {
    const e = await failure(t.ssm.send(new PutParameterCommand({ Name: '/x', Value: undefined as unknown as string })))
    expect(e.name).toBe('ValidationException')
    expect(e.message).toBe("1 validation error detected: Value null at 'value' failed to satisfy constraint: Member must not be null")
  })

  it('fails with ValidationException for a reserved prefix', async () => {
    const e = await failure(t.ssm.send(new PutParameterCommand({ Name: '/aws/mine', Value: 'x', Type: 'String' })))
    expect(e.name).toBe('ValidationException')
    expect(e.message).toMatch(/^Parameter name: can't be prefixed with "aws" or "ssm" \(case-insensitive\)\./)
  })

  it('fails with ValidationException for Overwrite with Tags', async () => {
    const e = await failure(t.ssm.send(new PutParameterCommand({
      Name: '/prod/db/user', Value: 'x', Overwrite: true, Tags: [{ Key: 'a', Value: 'b' }]
    })))
    expect(e.name).toBe('ValidationException')
    expect(e.message).toMatch(/^Invalid request: tags and overwrite can't be used together\./)
  })

  it('fails with ValidationException for a path name without a leading slash', async () => {
    const e = await failure(t.ssm.send(new PutParameterCommand({ Name: 'a/b', Value: 'x', Type: 'String' })))
    expect(e.name).toBe('ValidationException')
    expect(e.message).toBe('Parameter name must be a fully qualified name.')
  })
})

describe('GetParameter', () => {
  it('reads the current version, an older one by selector, and by ARN', async () => {
    const { Parameter } = await t.ssm.send(new GetParameterCommand({ Name: '/prod/db/user' }))
    expect(Parameter).toMatchObject({ Name: '/prod/db/user', Type: 'String', Value: 'root', Version: 2, ARN: arn('prod/db/user'), DataType: 'text' })
    expect(Parameter!.LastModifiedDate).toBeInstanceOf(Date)
    const old = await t.ssm.send(new GetParameterCommand({ Name: '/prod/db/user:1' }))
    expect(old.Parameter).toMatchObject({ Name: '/prod/db/user', Value: 'admin', Version: 1, Selector: ':1' })
    const byArn = await t.ssm.send(new GetParameterCommand({ Name: arn('prod/db/user') }))
    expect(byArn.Parameter!.Value).toBe('root')
  })

  it('masks a SecureString unless WithDecryption', async () => {
    await t.ssm.send(new PutParameterCommand({ Name: '/prod/db/password', Value: 's3cret', Type: 'SecureString' }))
    const masked = await t.ssm.send(new GetParameterCommand({ Name: '/prod/db/password' }))
    expect(masked.Parameter!.Value).not.toBe('s3cret')
    const plain = await t.ssm.send(new GetParameterCommand({ Name: '/prod/db/password', WithDecryption: true }))
    expect(plain.Parameter!.Value).toBe('s3cret')
  })

  it('gives names without a slash an ARN of parameter/NAME', async () => {
    await t.ssm.send(new PutParameterCommand({ Name: 'flat', Value: 'v', Type: 'StringList' }))
    const { Parameter } = await t.ssm.send(new GetParameterCommand({ Name: 'flat' }))
    expect(Parameter).toMatchObject({ ARN: arn('flat'), Type: 'StringList' })
  })

  it('fails with ParameterNotFound when the parameter is missing', async () => {
    const e = await failure(t.ssm.send(new GetParameterCommand({ Name: '/nope' })))
    expect(e.name).toBe('ParameterNotFound')
    expect(e.message).toBe('UnknownError')
  })

  it('fails with ParameterVersionNotFound for a version the parameter never had', async () => {
    const e = await failure(t.ssm.send(new GetParameterCommand({ Name: '/prod/db/user:9' })))
    expect(e.name).toBe('ParameterVersionNotFound')
    expect(e.message).toBe('Systems Manager could not find version 9 of /prod/db/user. Verify the version and try again.')
  })

  it('answers the public ECS-optimized AMI parameters', async () => {
    const id = await t.ssm.send(new GetParameterCommand({ Name: '/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id' }))
    expect(id.Parameter).toMatchObject({
      Value: ecsOptimizedAmi('us-east-1'), DataType: 'aws:ec2:image', Type: 'String',
      ARN: 'arn:aws:ssm:us-east-1::parameter/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id'
    })
    expect(id.Parameter!.Value).toMatch(/^ami-[0-9a-f]{17}$/)
    const other = t.emu.clients(undefined, 'eu-west-1').ssm
    const eu = await other.send(new GetParameterCommand({ Name: '/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id' }))
    expect(eu.Parameter!.Value).not.toBe(id.Parameter!.Value)
    const json = await t.ssm.send(new GetParameterCommand({ Name: '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended' }))
    expect(JSON.parse(json.Parameter!.Value!)).toMatchObject({ image_id: ecsOptimizedAmi('us-east-1', 'amazon-linux-2023'), os: 'Amazon Linux 2023' })
  })
})

describe('public parameters', () => {
  it('are readable by any caller allowed ssm:GetParameter, and by no other', async () => {
    const name = '/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id'
    const creds = await userWithKey(t.iam, 'amis', allowPolicy('ssm:GetParameter'))
    const { Parameter } = await t.emu.clients(creds).ssm.send(new GetParameterCommand({ Name: name }))
    expect(Parameter!.Value).toBe(ecsOptimizedAmi('us-east-1'))
    const nobody = await userWithKey(t.iam, 'nobody')
    const e = await failure(t.emu.clients(nobody).ssm.send(new GetParameterCommand({ Name: name })))
    expect(e.name).toBe('AccessDeniedException')
    expect(e.message).toBe(`User: arn:aws:iam::${ACCOUNT}:user/nobody is not authorized to perform: ssm:GetParameter on resource: arn:aws:ssm:us-east-1::parameter${name} because no identity-based policy allows the ssm:GetParameter action`)
  })
})

describe('GetParameters', () => {
  it('returns the found parameters and lists the missing ones', async () => {
    const out = await t.ssm.send(new GetParametersCommand({
      Names: ['/prod/db/user', '/prod/db/password', '/missing', '/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id'],
      WithDecryption: true
    }))
    expect(out.Parameters!.map(p => [p.Name, p.Value])).toEqual([
      ['/prod/db/user', 'root'], ['/prod/db/password', 's3cret'],
      ['/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended/image_id', ecsOptimizedAmi('us-east-1', 'amazon-linux-2023')]
    ])
    expect(out.InvalidParameters).toEqual(['/missing'])
  })
})

describe('GetParametersByPath', () => {
  it('lists one level, or all levels when Recursive, in pages', async () => {
    await t.ssm.send(new PutParameterCommand({ Name: '/prod/app', Value: 'a', Type: 'String' }))
    const level = await t.ssm.send(new GetParametersByPathCommand({ Path: '/prod' }))
    expect(level.Parameters!.map(p => p.Name)).toEqual(['/prod/app'])
    const all = await t.ssm.send(new GetParametersByPathCommand({ Path: '/prod', Recursive: true, WithDecryption: true }))
    expect(all.Parameters!.map(p => p.Name)).toEqual(['/prod/app', '/prod/db/password', '/prod/db/user'])
    const first = await t.ssm.send(new GetParametersByPathCommand({ Path: '/prod', Recursive: true, MaxResults: 2 }))
    expect(first.Parameters).toHaveLength(2)
    const rest = await t.ssm.send(new GetParametersByPathCommand({ Path: '/prod', Recursive: true, MaxResults: 2, NextToken: first.NextToken }))
    expect(rest.Parameters!.map(p => p.Name)).toEqual(['/prod/db/user'])
    expect(rest.NextToken).toBeUndefined()
  })
})

describe('DescribeParameters', () => {
  it('filters by name prefix, type and path', async () => {
    const byName = await t.ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Option: 'BeginsWith', Values: ['/prod/db'] }] }))
    expect(byName.Parameters!.map(p => p.Name)).toEqual(['/prod/db/password', '/prod/db/user'])
    expect(byName.Parameters![0]).toMatchObject({ Type: 'SecureString', KeyId: 'alias/aws/ssm', Version: 1, Tier: 'Standard', ARN: arn('prod/db/password') })
    const byType = await t.ssm.send(new DescribeParametersCommand({ Filters: [{ Key: 'Type', Values: ['StringList'] }] }))
    expect(byType.Parameters!.map(p => p.Name)).toEqual(['flat'])
    const byPath = await t.ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Path', Values: ['/prod'] }] }))
    expect(byPath.Parameters!.map(p => p.Name)).toEqual(['/prod/app'])
  })
})

describe('AddTagsToResource', () => {
  it('adds, lists and removes tags on a parameter', async () => {
    await t.ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: '/prod/db/user', Tags: [{ Key: 'env', Value: 'prod' }] }))
    const listed = await t.ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/prod/db/user' }))
    expect(listed.TagList).toEqual([{ Key: 'team', Value: 'web' }, { Key: 'env', Value: 'prod' }])
    await t.ssm.send(new RemoveTagsFromResourceCommand({ ResourceType: 'Parameter', ResourceId: '/prod/db/user', TagKeys: ['team'] }))
    const after = await t.ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/prod/db/user' }))
    expect(after.TagList).toEqual([{ Key: 'env', Value: 'prod' }])
  })

  it('fails with InvalidResourceId when the parameter is missing', async () => {
    const e = await failure(t.ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/nope' })))
    expect(e.name).toBe('InvalidResourceId')
  })
})

describe('DeleteParameter', () => {
  it('deletes the parameter; a second delete fails with ParameterNotFound', async () => {
    await t.ssm.send(new DeleteParameterCommand({ Name: 'flat' }))
    const e = await failure(t.ssm.send(new DeleteParameterCommand({ Name: 'flat' })))
    expect(e.name).toBe('ParameterNotFound')
  })
})

describe('DeleteParameters', () => {
  it('deletes the ones that exist and lists the others', async () => {
    const out = await t.ssm.send(new DeleteParametersCommand({ Names: ['/prod/app', '/missing'] }))
    expect(out).toMatchObject({ DeletedParameters: ['/prod/app'], InvalidParameters: ['/missing'] })
  })
})
