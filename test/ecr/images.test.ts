import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  BatchCheckLayerAvailabilityCommand, BatchGetImageCommand, CreateRepositoryCommand,
  DeleteRepositoryCommand, DescribeImagesCommand, GetDownloadUrlForLayerCommand,
  ListImagesCommand, SetRepositoryPolicyCommand
} from '@aws-sdk/client-ecr'
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam'
import { AssumeRoleCommand } from '@aws-sdk/client-sts'
import type Docker from 'dockerode'
import { useEmulator } from '../support/emulator.js'
import { DOCKER_SKIP, IMAGES, dockerode, ensureImages, hasDocker } from '../support/docker.js'
import {
  ACCOUNT, allowPolicy, credentialsOf, failure, policyDocument, trustAccount, userWithKey
} from '../support/fixtures.js'

const t = useEmulator()

const HOST = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`
const RUN = randomBytes(4).toString('hex')
const MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json'
const CONFIG = 'application/vnd.docker.container.image.v1+json'
const LAYER = 'application/vnd.docker.image.rootfs.diff.tar.gzip'
const OTHER_DIGEST = `sha256:${'a'.repeat(64)}`
const arn = (name: string) => `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/${name}`

/** A new repository with a unique name (no local image carries it). */
async function repository (purpose: string): Promise<string> {
  const repositoryName = `images-${RUN}/${purpose}`
  await t.ecr.send(new CreateRepositoryCommand({ repositoryName }))
  return repositoryName
}

describe('image operations on a repository without local images', () => {
  it('answers every layer UNAVAILABLE and each bad digest as a failure', async () => {
    const repositoryName = await repository('empty-layers')
    const out = await t.ecr.send(new BatchCheckLayerAvailabilityCommand({
      repositoryName, layerDigests: [OTHER_DIGEST, '', 'not-a-digest']
    }))
    expect(out.layers).toEqual([{ layerDigest: OTHER_DIGEST, layerAvailability: 'UNAVAILABLE' }])
    expect(out.failures).toEqual([
      { layerDigest: '', failureCode: 'MissingLayerDigest', failureReason: 'Layer digest cannot be null or empty' },
      { layerDigest: 'not-a-digest', failureCode: 'InvalidLayerDigest', failureReason: 'Invalid layer digest: not-a-digest' }
    ])
  })

  it('fails GetDownloadUrlForLayer with LayersNotFoundException', async () => {
    const repositoryName = await repository('empty-url')
    const e = await failure(t.ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName, layerDigest: OTHER_DIGEST })))
    expect(e.name).toBe('LayersNotFoundException')
    expect(e.message).toBe(`The layer with digest ${OTHER_DIGEST} does not exist within the repository with name '${repositoryName}' in the registry with id '${ACCOUNT}'`)
  })

  it('fails with RepositoryNotFoundException when the repository is missing', async () => {
    const message = `The repository with name 'nope' does not exist in the registry with id '${ACCOUNT}'`
    const check = await failure(t.ecr.send(new BatchCheckLayerAvailabilityCommand({ repositoryName: 'nope', layerDigests: [OTHER_DIGEST] })))
    expect([check.name, check.message]).toEqual(['RepositoryNotFoundException', message])
    const url = await failure(t.ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName: 'nope', layerDigest: OTHER_DIGEST })))
    expect([url.name, url.message]).toEqual(['RepositoryNotFoundException', message])
  })

  it('fails GetDownloadUrlForLayer with InvalidParameterException for a malformed digest', async () => {
    const repositoryName = await repository('empty-bad')
    const e = await failure(t.ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName, layerDigest: 'bad' })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe("Invalid parameter at 'layerDigest' failed to satisfy constraint: 'must satisfy regular expression '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+''")
  })
})

describe.skipIf(!hasDocker)(`images: the local Docker images tagged with the repository URI${DOCKER_SKIP}`, () => {
  const tagged: string[] = []
  let image: Docker.ImageInspectInfo

  /** Tags the busybox image `REPO:TAG` for each tag; removed again in afterAll. */
  async function tag (repositoryName: string, ...tags: string[]): Promise<void> {
    for (const tag of tags) {
      await dockerode().getImage(IMAGES.busybox).tag({ repo: `${HOST}/${repositoryName}`, tag })
      tagged.push(`${HOST}/${repositoryName}:${tag}`)
    }
  }

  async function taggedRepository (purpose: string, ...tags: string[]): Promise<string> {
    const repositoryName = await repository(purpose)
    await tag(repositoryName, ...tags)
    return repositoryName
  }

  beforeAll(async () => {
    await ensureImages()
    image = await dockerode().getImage(IMAGES.busybox).inspect()
  }, 120_000)

  afterAll(async () => {
    await Promise.allSettled(tagged.map(async ref => await dockerode().getImage(ref).remove()))
  })

  describe('ListImages', () => {
    it('lists each tag with the image digest', async () => {
      const repositoryName = await taggedRepository('list', 'v1', 'latest')
      const out = await t.ecr.send(new ListImagesCommand({ repositoryName }))
      expect(out.imageIds).toEqual([
        { imageDigest: image.Id, imageTag: 'latest' }, { imageDigest: image.Id, imageTag: 'v1' }
      ])
      expect(out.nextToken).toBeUndefined()
    })

    it('keeps tagged or untagged images with filter.tagStatus', async () => {
      const repositoryName = await taggedRepository('list-filter', 'v1')
      const untagged = await t.ecr.send(new ListImagesCommand({ repositoryName, filter: { tagStatus: 'UNTAGGED' } }))
      expect(untagged.imageIds).toEqual([])
      const taggedOnly = await t.ecr.send(new ListImagesCommand({ repositoryName, filter: { tagStatus: 'TAGGED' } }))
      expect(taggedOnly.imageIds).toEqual([{ imageDigest: image.Id, imageTag: 'v1' }])
    })

    it('pages with maxResults and nextToken', async () => {
      const repositoryName = await taggedRepository('list-pages', 'a', 'b', 'c')
      const first = await t.ecr.send(new ListImagesCommand({ repositoryName, maxResults: 2 }))
      expect(first.imageIds!.map(i => i.imageTag)).toEqual(['a', 'b'])
      const second = await t.ecr.send(new ListImagesCommand({ repositoryName, maxResults: 2, nextToken: first.nextToken }))
      expect(second.imageIds!.map(i => i.imageTag)).toEqual(['c'])
      expect(second.nextToken).toBeUndefined()
    })

    it('does not list an image of a repository nested under it', async () => {
      const repositoryName = await repository('outer')
      await tag(`${repositoryName}/inner`, 'v1')
      const out = await t.ecr.send(new ListImagesCommand({ repositoryName }))
      expect(out.imageIds).toEqual([])
    })
  })

  describe('DescribeImages', () => {
    it('describes the image with its tags, size and creation time', async () => {
      const repositoryName = await taggedRepository('describe', 'v2', 'v1')
      const { imageDetails } = await t.ecr.send(new DescribeImagesCommand({ repositoryName }))
      expect(imageDetails).toEqual([{
        registryId: ACCOUNT,
        repositoryName,
        imageDigest: image.Id,
        imageTags: ['v1', 'v2'],
        imageSizeInBytes: image.Size,
        imagePushedAt: new Date(Math.floor(Date.parse(image.Created) / 1000) * 1000),
        imageManifestMediaType: MANIFEST_V2,
        artifactMediaType: CONFIG
      }])
    })

    it('describes the images imageIds name, once each', async () => {
      const repositoryName = await taggedRepository('describe-ids', 'v1', 'v2')
      const { imageDetails } = await t.ecr.send(new DescribeImagesCommand({
        repositoryName, imageIds: [{ imageTag: 'v1' }, { imageDigest: image.Id }]
      }))
      expect(imageDetails!.map(d => [d.imageDigest, d.imageTags])).toEqual([[image.Id, ['v1', 'v2']]])
    })

    it('fails with ImageNotFoundException when an image id names no image', async () => {
      const repositoryName = await taggedRepository('describe-missing', 'v1')
      const e = await failure(t.ecr.send(new DescribeImagesCommand({
        repositoryName, imageIds: [{ imageTag: 'v1' }, { imageTag: 'v9', imageDigest: image.Id }]
      })))
      expect(e.name).toBe('ImageNotFoundException')
      expect(e.message).toBe(`The image with imageId {imageDigest:'${image.Id}', imageTag:'v9'} does not exist within the repository with name '${repositoryName}' in the registry with id '${ACCOUNT}'`)
    })
  })

  describe('BatchGetImage', () => {
    it('answers a Docker schema 2 manifest of the image config and layers', async () => {
      const repositoryName = await taggedRepository('get', 'v1')
      const out = await t.ecr.send(new BatchGetImageCommand({ repositoryName, imageIds: [{ imageTag: 'v1' }] }))
      expect(out.failures).toEqual([])
      expect(out.images).toHaveLength(1)
      const [got] = out.images!
      expect(got).toMatchObject({
        registryId: ACCOUNT, repositoryName, imageId: { imageDigest: image.Id, imageTag: 'v1' },
        imageManifestMediaType: MANIFEST_V2
      })
      expect(JSON.parse(got.imageManifest!)).toEqual({
        schemaVersion: 2,
        mediaType: MANIFEST_V2,
        config: { mediaType: CONFIG, size: 0, digest: image.Id },
        layers: image.RootFS.Layers!.map(digest => ({ mediaType: LAYER, size: 0, digest }))
      })
    })

    it('finds the image by digest, and by tag and digest together', async () => {
      const repositoryName = await taggedRepository('get-digest', 'v1')
      const out = await t.ecr.send(new BatchGetImageCommand({
        repositoryName,
        imageIds: [{ imageDigest: image.Id }, { imageTag: 'v1', imageDigest: image.Id }],
        acceptedMediaTypes: [MANIFEST_V2, 'application/vnd.oci.image.manifest.v1+json']
      }))
      expect(out.images!.map(i => i.imageId)).toEqual([
        { imageDigest: image.Id }, { imageDigest: image.Id, imageTag: 'v1' }
      ])
    })

    it('answers each image it cannot give as a failure, as ECR words it', async () => {
      const repositoryName = await taggedRepository('get-failures', 'v1')
      const out = await t.ecr.send(new BatchGetImageCommand({
        repositoryName,
        imageIds: [
          { imageTag: 'v9' }, { imageTag: 'v1', imageDigest: OTHER_DIGEST },
          { imageTag: 'v9', imageDigest: image.Id }, {}, { imageDigest: 'sha256:xyz' }
        ]
      }))
      expect(out.images).toEqual([])
      expect(out.failures).toEqual([
        { imageId: { imageTag: 'v9' }, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' },
        { imageId: { imageTag: 'v1', imageDigest: OTHER_DIGEST }, failureCode: 'ImageTagDoesNotMatchDigest', failureReason: 'Invalid request parameters: given tag does not map to the given digest' },
        { imageId: { imageTag: 'v9', imageDigest: image.Id }, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' },
        { imageId: {}, failureCode: 'MissingDigestAndTag', failureReason: 'Invalid request parameters: both tag and digest cannot be null' },
        { imageId: { imageDigest: 'sha256:xyz' }, failureCode: 'InvalidImageDigest', failureReason: "Invalid request parameters: image digest should satisfy the regex '[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+'" }
      ])
    })

    it('finds no image when acceptedMediaTypes leaves out Docker schema 2', async () => {
      const repositoryName = await taggedRepository('get-oci', 'v1')
      const out = await t.ecr.send(new BatchGetImageCommand({
        repositoryName, imageIds: [{ imageTag: 'v1' }], acceptedMediaTypes: ['application/vnd.oci.image.manifest.v1+json']
      }))
      expect(out.images).toEqual([])
      expect(out.failures).toEqual([{ imageId: { imageTag: 'v1' }, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' }])
    })

    it('fails with AccessDeniedException for a role the repository policy denies', async () => {
      const repositoryName = await taggedRepository('get-denied', 'v1')
      await t.iam.send(new CreateRoleCommand({ RoleName: 'image-puller', AssumeRolePolicyDocument: trustAccount() }))
      await t.iam.send(new PutRolePolicyCommand({ RoleName: 'image-puller', PolicyName: 'pull', PolicyDocument: allowPolicy('ecr:*') }))
      const role = `arn:aws:iam::${ACCOUNT}:role/image-puller`
      const dev = t.emu.clients(await userWithKey(t.iam, `image-dev-${RUN}`, allowPolicy('sts:AssumeRole', role)))
      const { Credentials } = await dev.sts.send(new AssumeRoleCommand({ RoleArn: role, RoleSessionName: 'task' }))
      const puller = t.emu.clients(credentialsOf(Credentials!)).ecr
      const pull = { repositoryName, imageIds: [{ imageTag: 'v1' }] }
      expect((await puller.send(new BatchGetImageCommand(pull))).images).toHaveLength(1)

      await t.ecr.send(new SetRepositoryPolicyCommand({
        repositoryName,
        policyText: policyDocument({ Effect: 'Deny', Principal: { AWS: role }, Action: 'ecr:BatchGetImage' })
      }))
      const e = await failure(puller.send(new BatchGetImageCommand(pull)))
      expect(e.name).toBe('AccessDeniedException')
      expect(e.message).toBe(`User: arn:aws:sts::${ACCOUNT}:assumed-role/image-puller/task is not authorized to perform: ecr:BatchGetImage on resource: ${arn(repositoryName)} with an explicit deny in a resource-based policy`)
      const layers = await puller.send(new BatchCheckLayerAvailabilityCommand({ repositoryName, layerDigests: [image.Id] }))
      expect(layers.layers![0].layerAvailability).toBe('AVAILABLE')
    })
  })

  describe('BatchCheckLayerAvailability', () => {
    it('answers the image config and layers AVAILABLE, and others UNAVAILABLE', async () => {
      const repositoryName = await taggedRepository('layers', 'v1')
      const layers = image.RootFS.Layers!
      const out = await t.ecr.send(new BatchCheckLayerAvailabilityCommand({
        repositoryName, layerDigests: [image.Id, ...layers, OTHER_DIGEST]
      }))
      expect(out.failures).toEqual([])
      expect(out.layers).toEqual([
        { layerDigest: image.Id, layerAvailability: 'AVAILABLE', layerSize: 0, mediaType: CONFIG },
        ...layers.map(layerDigest => ({ layerDigest, layerAvailability: 'AVAILABLE', layerSize: 0, mediaType: LAYER })),
        { layerDigest: OTHER_DIGEST, layerAvailability: 'UNAVAILABLE' }
      ])
    })
  })

  describe('GetDownloadUrlForLayer', () => {
    it('answers a URL on the emulator for a layer of the repository', async () => {
      const repositoryName = await taggedRepository('url', 'v1')
      const layerDigest = image.RootFS.Layers![0]
      const out = await t.ecr.send(new GetDownloadUrlForLayerCommand({ repositoryName, layerDigest }))
      expect(out).toMatchObject({ layerDigest, downloadUrl: `${t.emu.url}/_emulator/ecr/layers/${layerDigest}` })
    })

    it('is authorized on the repository ARN', async () => {
      const repositoryName = await taggedRepository('url-denied', 'v1')
      const other = arn(`images-${RUN}/elsewhere`)
      const user = t.emu.clients(await userWithKey(t.iam, `layer-reader-${RUN}`, allowPolicy('ecr:GetDownloadUrlForLayer', other))).ecr
      const e = await failure(user.send(new GetDownloadUrlForLayerCommand({ repositoryName, layerDigest: image.Id })))
      expect(e.name).toBe('AccessDeniedException')
      expect(e.message).toBe(`User: arn:aws:iam::${ACCOUNT}:user/layer-reader-${RUN} is not authorized to perform: ecr:GetDownloadUrlForLayer on resource: ${arn(repositoryName)} because no identity-based policy allows the ecr:GetDownloadUrlForLayer action`)
    })
  })

  describe('DeleteRepository', () => {
    it('fails with RepositoryNotEmptyException while local images carry its URI', async () => {
      const repositoryName = await taggedRepository('delete', 'v1')
      const e = await failure(t.ecr.send(new DeleteRepositoryCommand({ repositoryName })))
      expect(e.name).toBe('RepositoryNotEmptyException')
      expect(e.message).toBe(`The repository with name '${repositoryName}' in registry with id '${ACCOUNT}' cannot be deleted because it still contains images`)
      const { repository } = await t.ecr.send(new DeleteRepositoryCommand({ repositoryName, force: true }))
      expect(repository!.repositoryName).toBe(repositoryName)
    })
  })
})
