import { describe, expect, it } from 'vitest'
import {
  BatchGetImageCommand, CreateRepositoryCommand, DeleteRepositoryCommand,
  DeleteRepositoryPolicyCommand, DescribeImagesCommand, DescribeRegistryCommand,
  DescribeRepositoriesCommand, GetAuthorizationTokenCommand, GetRepositoryPolicyCommand,
  ListImagesCommand, ListTagsForResourceCommand, PutImageScanningConfigurationCommand,
  PutImageTagMutabilityCommand, SetRepositoryPolicyCommand, TagResourceCommand,
  UntagResourceCommand
} from '@aws-sdk/client-ecr'
import { useEmulator } from '../support/emulator.js'
import { ACCOUNT, failure, policyDocument } from '../support/fixtures.js'

const t = useEmulator()

const arn = (name: string, region = 'us-east-1') =>
  `arn:aws:ecr:${region}:${ACCOUNT}:repository/${name}`
const notFound = (name: string) =>
  `The repository with name '${name}' does not exist in the registry with id '${ACCOUNT}'`
const PULL_POLICY = policyDocument({
  Sid: 'pull', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
  Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']
})

const create = async (repositoryName: string) =>
  await t.ecr.send(new CreateRepositoryCommand({ repositoryName }))

describe('CreateRepository', () => {
  it('creates a repository with AWS defaults, an ARN, and a URI on the emulator\'s registry', async () => {
    const { repository } = await create('web/app')
    expect(repository).toMatchObject({
      repositoryArn: arn('web/app'),
      registryId: ACCOUNT,
      repositoryName: 'web/app',
      repositoryUri: `127.0.0.1:${t.emu.emulator.registry.port!}/web/app`,
      imageTagMutability: 'MUTABLE',
      imageScanningConfiguration: { scanOnPush: false },
      encryptionConfiguration: { encryptionType: 'AES256' }
    })
    expect(repository!.createdAt).toBeInstanceOf(Date)
  })

  it('keeps the settings and tags it is given', async () => {
    const { repository } = await t.ecr.send(new CreateRepositoryCommand({
      repositoryName: 'settings', imageTagMutability: 'IMMUTABLE',
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'alias/mine' },
      tags: [{ Key: 'team', Value: 'web' }]
    }))
    expect(repository).toMatchObject({
      imageTagMutability: 'IMMUTABLE', imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: { encryptionType: 'KMS', kmsKey: 'alias/mine' }
    })
    const { tags } = await t.ecr.send(new ListTagsForResourceCommand({ resourceArn: arn('settings') }))
    expect(tags).toEqual([{ Key: 'team', Value: 'web' }])
  })

  it('fails with RepositoryAlreadyExistsException when the name is taken', async () => {
    const e = await failure(create('web/app'))
    expect(e.name).toBe('RepositoryAlreadyExistsException')
    expect(e.message).toBe(`The repository with name 'web/app' already exists in the registry with id '${ACCOUNT}'`)
  })

  it('fails with InvalidParameterException when the name breaks the pattern', async () => {
    const e = await failure(create('Web'))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe("Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must satisfy regular expression '(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*''")
  })

  it('fails with InvalidParameterException when the name is too short', async () => {
    const e = await failure(create('a'))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe("Invalid parameter at 'repositoryName' failed to satisfy constraint: 'must have length greater than or equal to 2'")
  })

  it('keeps repositories per region', async () => {
    const west = t.emu.clients(undefined, 'us-west-2').ecr
    const { repository } = await west.send(new CreateRepositoryCommand({ repositoryName: 'web/app' }))
    // One registry host for every region: the login's token says which region it opens.
    expect(repository!.repositoryUri).toBe(`127.0.0.1:${t.emu.emulator.registry.port!}/web/app`)
    expect(repository!.repositoryArn).toBe(arn('web/app', 'us-west-2'))
    const e = await failure(west.send(new DescribeRepositoriesCommand({ repositoryNames: ['settings'] })))
    expect(e.name).toBe('RepositoryNotFoundException')
  })
})

describe('DescribeRepositories', () => {
  it('describes named repositories', async () => {
    const { repositories } = await t.ecr.send(new DescribeRepositoriesCommand({
      repositoryNames: ['settings', 'web/app']
    }))
    expect(repositories!.map(r => r.repositoryName)).toEqual(['settings', 'web/app'])
  })

  it('pages through every repository', async () => {
    await create('paged')
    const first = await t.ecr.send(new DescribeRepositoriesCommand({ maxResults: 2 }))
    expect(first.repositories!.map(r => r.repositoryName)).toEqual(['web/app', 'settings'])
    expect(first.nextToken).toBeDefined()
    const second = await t.ecr.send(new DescribeRepositoriesCommand({ maxResults: 2, nextToken: first.nextToken }))
    expect(second.repositories!.map(r => r.repositoryName)).toEqual(['paged'])
    expect(second.nextToken).toBeUndefined()
  })

  it('fails with RepositoryNotFoundException when a named repository is missing', async () => {
    const e = await failure(t.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['web/app', 'nope'] })))
    expect(e.name).toBe('RepositoryNotFoundException')
    expect(e.message).toBe(notFound('nope'))
  })

  it('fails with InvalidParameterException when maxResults is out of range', async () => {
    const e = await failure(t.ecr.send(new DescribeRepositoriesCommand({ maxResults: 1001 })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe("Invalid parameter at 'maxResults' failed to satisfy constraint: 'must have value less than or equal to 1000'")
  })
})

describe('PutImageTagMutability', () => {
  it('changes the tag mutability', async () => {
    const out = await t.ecr.send(new PutImageTagMutabilityCommand({ repositoryName: 'paged', imageTagMutability: 'IMMUTABLE' }))
    expect(out).toMatchObject({ registryId: ACCOUNT, repositoryName: 'paged', imageTagMutability: 'IMMUTABLE' })
    const { repositories } = await t.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['paged'] }))
    expect(repositories![0].imageTagMutability).toBe('IMMUTABLE')
  })

  it('fails with RepositoryNotFoundException when the repository is missing', async () => {
    const e = await failure(t.ecr.send(new PutImageTagMutabilityCommand({ repositoryName: 'nope', imageTagMutability: 'MUTABLE' })))
    expect(e.name).toBe('RepositoryNotFoundException')
    expect(e.message).toBe(notFound('nope'))
  })
})

describe('PutImageScanningConfiguration', () => {
  it('changes scan on push', async () => {
    const out = await t.ecr.send(new PutImageScanningConfigurationCommand({
      repositoryName: 'paged', imageScanningConfiguration: { scanOnPush: true }
    }))
    expect(out).toMatchObject({ registryId: ACCOUNT, repositoryName: 'paged', imageScanningConfiguration: { scanOnPush: true } })
    const { repositories } = await t.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['paged'] }))
    expect(repositories![0].imageScanningConfiguration).toEqual({ scanOnPush: true })
  })

  it('fails with RepositoryNotFoundException when the repository is missing', async () => {
    const e = await failure(t.ecr.send(new PutImageScanningConfigurationCommand({
      repositoryName: 'nope', imageScanningConfiguration: { scanOnPush: true }
    })))
    expect(e.name).toBe('RepositoryNotFoundException')
  })
})

describe('SetRepositoryPolicy', () => {
  it('sets a policy GetRepositoryPolicy reads back', async () => {
    const out = await t.ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'paged', policyText: PULL_POLICY }))
    expect(out).toEqual(expect.objectContaining({ registryId: ACCOUNT, repositoryName: 'paged', policyText: PULL_POLICY }))
    const got = await t.ecr.send(new GetRepositoryPolicyCommand({ repositoryName: 'paged' }))
    expect(got).toMatchObject({ registryId: ACCOUNT, repositoryName: 'paged', policyText: PULL_POLICY })
  })

  for (const [what, text] of [
    ['is not JSON', '{"Statement": ['],
    ['has no Principal', policyDocument({ Effect: 'Allow', Action: 'ecr:BatchGetImage' })],
    ['has a Resource', policyDocument({ Effect: 'Allow', Principal: '*', Action: 'ecr:*', Resource: '*' })]
  ]) {
    it(`fails with InvalidParameterException when the policy ${what}`, async () => {
      const e = await failure(t.ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'paged', policyText: text })))
      expect(e.name).toBe('InvalidParameterException')
      expect(e.message).toBe("Invalid parameter at 'PolicyText' failed to satisfy constraint: 'Invalid repository policy provided'")
    })
  }

  it('fails with RepositoryNotFoundException when the repository is missing', async () => {
    const e = await failure(t.ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'nope', policyText: PULL_POLICY })))
    expect(e.name).toBe('RepositoryNotFoundException')
    expect(e.message).toBe(notFound('nope'))
  })
})

describe('GetRepositoryPolicy', () => {
  it('fails with RepositoryPolicyNotFoundException when the repository has no policy', async () => {
    const e = await failure(t.ecr.send(new GetRepositoryPolicyCommand({ repositoryName: 'web/app' })))
    expect(e.name).toBe('RepositoryPolicyNotFoundException')
    expect(e.message).toBe(`Repository policy does not exist for the repository with name 'web/app' in the registry with id '${ACCOUNT}'`)
  })
})

describe('DeleteRepositoryPolicy', () => {
  it('deletes the policy and answers it', async () => {
    const out = await t.ecr.send(new DeleteRepositoryPolicyCommand({ repositoryName: 'paged' }))
    expect(out).toMatchObject({ registryId: ACCOUNT, repositoryName: 'paged', policyText: PULL_POLICY })
    const e = await failure(t.ecr.send(new GetRepositoryPolicyCommand({ repositoryName: 'paged' })))
    expect(e.name).toBe('RepositoryPolicyNotFoundException')
  })

  it('fails with RepositoryPolicyNotFoundException when there is no policy', async () => {
    const e = await failure(t.ecr.send(new DeleteRepositoryPolicyCommand({ repositoryName: 'paged' })))
    expect(e.name).toBe('RepositoryPolicyNotFoundException')
    expect(e.message).toBe(`Repository policy does not exist for the repository with name 'paged' in the registry with id '${ACCOUNT}'`)
  })
})

describe('TagResource', () => {
  it('adds and replaces tags', async () => {
    await t.ecr.send(new TagResourceCommand({
      resourceArn: arn('settings'), tags: [{ Key: 'team', Value: 'api' }, { Key: 'env', Value: 'prod' }]
    }))
    const { tags } = await t.ecr.send(new ListTagsForResourceCommand({ resourceArn: arn('settings') }))
    expect(tags).toEqual([{ Key: 'team', Value: 'api' }, { Key: 'env', Value: 'prod' }])
  })

  it('fails with RepositoryNotFoundException when the repository is missing', async () => {
    const e = await failure(t.ecr.send(new TagResourceCommand({ resourceArn: arn('nope'), tags: [{ Key: 'a', Value: 'b' }] })))
    expect(e.name).toBe('RepositoryNotFoundException')
    expect(e.message).toBe(notFound('nope'))
  })

  it('fails with InvalidParameterException when the ARN is not a repository ARN', async () => {
    const e = await failure(t.ecr.send(new TagResourceCommand({ resourceArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/x', tags: [{ Key: 'a', Value: 'b' }] })))
    expect(e.name).toBe('InvalidParameterException')
  })
})

describe('UntagResource', () => {
  it('removes tags by key', async () => {
    await t.ecr.send(new UntagResourceCommand({ resourceArn: arn('settings'), tagKeys: ['team'] }))
    const { tags } = await t.ecr.send(new ListTagsForResourceCommand({ resourceArn: arn('settings') }))
    expect(tags).toEqual([{ Key: 'env', Value: 'prod' }])
  })
})

describe('ListTagsForResource', () => {
  it('answers an empty list for a repository without tags', async () => {
    const { tags } = await t.ecr.send(new ListTagsForResourceCommand({ resourceArn: arn('web/app') }))
    expect(tags).toEqual([])
  })

  it('fails with RepositoryNotFoundException when the repository is missing', async () => {
    const e = await failure(t.ecr.send(new ListTagsForResourceCommand({ resourceArn: arn('nope') })))
    expect(e.name).toBe('RepositoryNotFoundException')
  })
})

describe('GetAuthorizationToken', () => {
  it('hands out an AWS:password token for 12 hours, kept with the caller', async () => {
    const before = Date.now()
    const { authorizationData } = await t.ecr.send(new GetAuthorizationTokenCommand({}))
    expect(authorizationData).toHaveLength(1)
    const [data] = authorizationData!
    expect(data.proxyEndpoint).toBe(`http://127.0.0.1:${t.emu.emulator.registry.port!}`)
    const decoded = Buffer.from(data.authorizationToken!, 'base64').toString('utf8')
    expect(decoded).toMatch(/^AWS:[A-Za-z0-9_-]+$/)
    const hours = (data.expiresAt!.getTime() - before) / 3_600_000
    expect(hours).toBeGreaterThan(11.99)
    expect(hours).toBeLessThanOrEqual(12.01)

    const stored = t.emu.emulator.repositories.findToken(decoded.slice(4), Date.now() / 1000)
    expect(stored).toMatchObject({ account: ACCOUNT, region: 'us-east-1', principalArn: `arn:aws:iam::${ACCOUNT}:root` })
    expect(t.emu.emulator.repositories.findToken(decoded.slice(4), Date.now() / 1000 + 13 * 3600)).toBeUndefined()
    expect(t.emu.emulator.repositories.findToken('forged', Date.now() / 1000)).toBeUndefined()
  })
})

describe('DescribeRegistry', () => {
  it('answers the account registry without replication', async () => {
    const out = await t.ecr.send(new DescribeRegistryCommand({}))
    expect(out).toMatchObject({ registryId: ACCOUNT, replicationConfiguration: { rules: [] } })
  })
})

describe('ListImages', () => {
  it('answers no images for a repository no local image is tagged for', async () => {
    const out = await t.ecr.send(new ListImagesCommand({ repositoryName: 'web/app' }))
    expect(out.imageIds).toEqual([])
    expect(out.nextToken).toBeUndefined()
  })

  it('fails with RepositoryNotFoundException when the repository is missing', async () => {
    const e = await failure(t.ecr.send(new ListImagesCommand({ repositoryName: 'nope' })))
    expect(e.name).toBe('RepositoryNotFoundException')
    expect(e.message).toBe(notFound('nope'))
  })
})

describe('DescribeImages', () => {
  it('answers no image details for a repository without local images', async () => {
    const out = await t.ecr.send(new DescribeImagesCommand({ repositoryName: 'web/app' }))
    expect(out.imageDetails).toEqual([])
  })

  it('fails with ImageNotFoundException for an image id', async () => {
    const e = await failure(t.ecr.send(new DescribeImagesCommand({ repositoryName: 'web/app', imageIds: [{ imageTag: 'latest' }] })))
    expect(e.name).toBe('ImageNotFoundException')
    expect(e.message).toBe(`The image with imageId {imageDigest:'null', imageTag:'latest'} does not exist within the repository with name 'web/app' in the registry with id '${ACCOUNT}'`)
  })

  it('fails with RepositoryNotFoundException when the repository is missing', async () => {
    const e = await failure(t.ecr.send(new DescribeImagesCommand({ repositoryName: 'nope' })))
    expect(e.name).toBe('RepositoryNotFoundException')
  })
})

describe('BatchGetImage', () => {
  it('answers each image id as a failure when the repository has no local images', async () => {
    const out = await t.ecr.send(new BatchGetImageCommand({
      repositoryName: 'web/app', imageIds: [{ imageTag: 'latest' }, { imageTag: 'v1' }]
    }))
    expect(out.images).toEqual([])
    expect(out.failures).toEqual([
      { imageId: { imageTag: 'latest' }, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' },
      { imageId: { imageTag: 'v1' }, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' }
    ])
  })

  it('fails with RepositoryNotFoundException when the repository is missing', async () => {
    const e = await failure(t.ecr.send(new BatchGetImageCommand({ repositoryName: 'nope', imageIds: [{ imageTag: 'latest' }] })))
    expect(e.name).toBe('RepositoryNotFoundException')
    expect(e.message).toBe(notFound('nope'))
  })
})

describe('DeleteRepository', () => {
  it('deletes the repository and its tags, answering it', async () => {
    const { repository } = await t.ecr.send(new DeleteRepositoryCommand({ repositoryName: 'settings' }))
    expect(repository).toMatchObject({ repositoryName: 'settings', repositoryArn: arn('settings') })
    const e = await failure(t.ecr.send(new DescribeRepositoriesCommand({ repositoryNames: ['settings'] })))
    expect(e.name).toBe('RepositoryNotFoundException')
    await create('settings')
    const { tags } = await t.ecr.send(new ListTagsForResourceCommand({ resourceArn: arn('settings') }))
    expect(tags).toEqual([])
  })

  it('deletes with force', async () => {
    await t.ecr.send(new DeleteRepositoryCommand({ repositoryName: 'settings', force: true }))
  })

  it('fails with RepositoryNotFoundException when the repository is missing', async () => {
    const e = await failure(t.ecr.send(new DeleteRepositoryCommand({ repositoryName: 'settings' })))
    expect(e.name).toBe('RepositoryNotFoundException')
    expect(e.message).toBe(notFound('settings'))
  })
})
