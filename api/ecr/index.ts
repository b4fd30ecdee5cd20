/**
 * Amazon ECR's control plane (awsJson1_1, target prefix AmazonEC2ContainerRegistry_V20150921):
 * repositories, their settings, policies and tags, registry passwords, and the images pushed
 * to the emulator's registry (api/ecr-registry), whose store PutImage and BatchDeleteImage write
 * too. Local Docker images tagged `ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO:TAG` that were never
 * pushed count as the repository's images as well (src/ecr/local-images.ts).
 */
import { resourceTagContext as tagKeys } from '../../src/iam/tag-context.js'
import {
  operation, type Check, type Operation, type OperationContext, type Service
} from '../registry.js'
import {
  assertDeletable, ecrErrors, encodeAuthorizationToken, invalidInput, invalidParameter,
  newAuthorizationToken, newRepository, parseRepositoryArn, parseRepositoryPolicy, registryHost,
  repositoryArn, repositoryUri, type ImageIdentifier, type ImageScanningConfiguration,
  type ImageTagMutability, type NewRepositoryInput, type RepositoryRecord
} from '../../src/ecr/repository.js'
import {
  acceptsManifest, blobsOf, findImage, imageFailure, imageIds, layerAvailability, manifestOf,
  withTagStatus, CONFIG_MEDIA_TYPE, MANIFEST_MEDIA_TYPE, type ImageFailure, type Layer,
  type LayerFailure, type TagStatus
} from '../../src/ecr/images.js'
import { pushedImages } from '../../src/ecr/pushed-images.js'
import { planPut, type PutImageRequest } from '../../src/ecr/put-image.js'
import { applyDeletes, planDeletes } from '../../src/ecr/delete-images.js'
import {
  lifecycleErrors, validateLifecyclePolicy, type WithLifecyclePolicy
} from '../../src/ecr/lifecycle.js'
import { localImages, type RepositoryImage } from '../../src/ecr/local-images.js'
import type { PolicyDocument, RequestContext } from '../../src/iam/policy.js'
import type { WireTag } from '../../store/tags.js'

interface Tag { Key: string, Value: string }

interface RepositoryRef { registryId?: string, repositoryName: string }

const seconds = (ctx: OperationContext): number => Math.floor(ctx.now.getTime() / 1000)

const registryOf = (ctx: OperationContext, registryId?: string): string =>
  registryId ?? ctx.account

const storedTags = (tags: Tag[]): WireTag[] => tags.map(t => ({ key: t.Key, value: t.Value }))

const wireTags = (tags: WireTag[]): Tag[] => tags.map(t => ({ Key: t.key, Value: t.value }))

function requestTagContext (tags: Tag[]): RequestContext {
  const context: RequestContext = {}
  if (tags.length > 0) {
    for (const t of tags) context[`aws:RequestTag/${t.Key}`] = t.Value
    context['aws:TagKeys'] = tags.map(t => t.Key)
  }
  return context
}

const resourceTagContext = (ctx: OperationContext, arn: string): RequestContext =>
  tagKeys(ctx.emulator.tags.list(arn))

/** The check of `action` on one repository, with its tags and its repository policy. */
function repositoryCheck (ctx: OperationContext, action: string, registry: string, name: string,
  repository: RepositoryRecord | undefined, context: RequestContext = {}): Check {
  const arn = repositoryArn(registry, ctx.region, name)
  const check: Check = {
    action,
    resource: arn,
    context: { ...(repository === undefined ? {} : resourceTagContext(ctx, arn)), ...context }
  }
  if (repository?.policyText !== undefined) {
    const document = JSON.parse(repository.policyText) as PolicyDocument
    check.resourcePolicies = [{ kind: 'resource', id: arn, document }]
  }
  return check
}

/**
 * Authorizes `action` on the repository `ref` names and returns it; RepositoryNotFoundException
 * after the check when there is none. The registry (api/ecr-registry) authorizes each request
 * with it too.
 */
export function authorizeOn (ctx: OperationContext, action: string, ref: RepositoryRef,
  context: RequestContext = {}): RepositoryRecord {
  const registry = registryOf(ctx, ref.registryId)
  const repository = ctx.emulator.repositories.get(registry, ctx.region, ref.repositoryName)
  ctx.authorize(repositoryCheck(ctx, action, registry, ref.repositoryName, repository, context))
  if (repository === undefined) throw ecrErrors.notFound(ref.repositoryName, registry)
  return repository
}

/** The repository a tagging call's resourceArn names, authorized for `action`. */
function authorizeArn (ctx: OperationContext, action: string, resourceArn: string,
  context: RequestContext = {}): RepositoryRecord {
  const parsed = parseRepositoryArn(resourceArn)
  if (parsed === undefined) throw ecrErrors.invalidArn(resourceArn)
  const repository = ctx.emulator.repositories.get(parsed.account, parsed.region, parsed.name)
  const check = repositoryCheck(ctx, action, parsed.account, parsed.name, repository, context)
  check.resource = resourceArn
  ctx.authorize(check)
  if (repository === undefined) throw ecrErrors.notFound(parsed.name, parsed.account)
  return repository
}

const arnOf = (r: RepositoryRecord): string => repositoryArn(r.account, r.region, r.repositoryName)

/**
 * `127.0.0.1:PORT`, the emulator's registry (loopback: Docker pushes and pulls over plain HTTP
 * there with no daemon configuration). The token names the account and region, not the host.
 */
const registryHostOf = (ctx: OperationContext): string => ctx.emulator.registry.host

function wireRepository (ctx: OperationContext, r: RepositoryRecord) {
  return {
    repositoryArn: arnOf(r),
    registryId: r.account,
    repositoryName: r.repositoryName,
    repositoryUri: repositoryUri(registryHostOf(ctx), r.repositoryName),
    createdAt: r.createdAt,
    imageTagMutability: r.imageTagMutability,
    imageTagMutabilityExclusionFilters: r.imageTagMutabilityExclusionFilters,
    imageScanningConfiguration: r.imageScanningConfiguration,
    encryptionConfiguration: r.encryptionConfiguration
  }
}

const save = (ctx: OperationContext, r: RepositoryRecord): void => ctx.emulator.repositories.save(r)

interface CreateRepositoryRequest extends NewRepositoryInput {
  registryId?: string
  tags?: Tag[]
}

const CreateRepository = operation({
  authorize: 'handler',
  notes: 'Nothing is encrypted: `encryptionConfiguration` is kept and echoed (a KMS key is not checked). Repository creation templates are not applied.',
  handle (input: CreateRepositoryRequest, ctx) {
    const registry = registryOf(ctx, input.registryId)
    const repository = newRepository(input, registry, ctx.region, seconds(ctx))
    const arn = arnOf(repository)
    const tags = input.tags ?? []
    const context = requestTagContext(tags)
    ctx.authorize({ action: 'ecr:CreateRepository', resource: arn, context })
    // ECR's guide: tags on a create call are also authorized as ecr:TagResource.
    if (tags.length > 0) ctx.authorize({ action: 'ecr:TagResource', resource: arn, context })

    const name = input.repositoryName
    if (ctx.emulator.repositories.get(registry, ctx.region, name) !== undefined) {
      throw ecrErrors.exists(name, registry)
    }
    ctx.emulator.db.transaction(() => {
      ctx.emulator.tags.drop(arn)
      save(ctx, repository)
      ctx.emulator.tags.tag(arn, storedTags(tags))
    })()
    return { repository: wireRepository(ctx, repository) }
  }
})

interface DescribeRepositoriesRequest {
  registryId?: string
  repositoryNames?: string[]
  maxResults?: number
  nextToken?: string
}

const DescribeRepositories = operation({
  authorize: 'handler',
  notes: 'Without `repositoryNames` the call is authorized once, on `arn:aws:ecr:REGION:ACCOUNT:repository/*`, and every repository is listed.',
  handle (input: DescribeRepositoriesRequest, ctx) {
    const registry = registryOf(ctx, input.registryId)
    if (input.repositoryNames !== undefined) {
      const repositories = input.repositoryNames.map(repositoryName =>
        authorizeOn(ctx, 'ecr:DescribeRepositories', { registryId: registry, repositoryName }))
      return { repositories: repositories.map(r => wireRepository(ctx, r)) }
    }
    // (unconfirmed) listing every repository is authorized once, on the registry's wildcard ARN.
    const everyRepository = repositoryArn(registry, ctx.region, '*')
    ctx.authorize({ action: 'ecr:DescribeRepositories', resource: everyRepository })
    const page = pageOf(ctx.emulator.repositories.list(registry, ctx.region), input)
    return { repositories: page.items.map(r => wireRepository(ctx, r)), nextToken: page.nextToken }
  }
})

/** One page of `all`: `maxResults` (100 by default) from where `nextToken` says. */
function pageOf<T> (all: T[], input: { maxResults?: number, nextToken?: string }):
{ items: T[], nextToken?: string } {
  const start = input.nextToken === undefined ? 0 : tokenPosition(input.nextToken)
  const end = start + (input.maxResults ?? 100)
  const nextToken = end < all.length ? encodePosition(end) : undefined
  return { items: all.slice(start, end), nextToken }
}

const encodePosition = (n: number): string =>
  Buffer.from(JSON.stringify({ position: n })).toString('base64')

function tokenPosition (token: string): number {
  let position: unknown
  try {
    const text = Buffer.from(token, 'base64').toString('utf8')
    position = (JSON.parse(text) as { position?: unknown }).position
  } catch {}
  if (typeof position === 'number' && Number.isInteger(position) && position >= 0) return position
  // (unconfirmed) ECR's wording for a nextToken it did not issue.
  throw invalidParameter('nextToken', 'Invalid NextToken')
}

const DeleteRepository = operation({
  authorize: 'handler',
  notes: 'A repository with local or pushed images fails with RepositoryNotEmptyException; with `force` it is deleted with what was pushed to it, but its local images stay in the local Docker engine (they are the images of a new repository of that name).',
  async handle (input: RepositoryRef & { force?: boolean }, ctx) {
    const repository = authorizeOn(ctx, 'ecr:DeleteRepository', input)
    const images = await imagesOf(ctx, repository)
    const key = { account: repository.account, region: repository.region, repository: repository.repositoryName }
    const pushed = ctx.emulator.registry.store.imageCount(key)
    assertDeletable(repository, images.length + pushed, input.force === true)
    ctx.emulator.db.transaction(() => {
      ctx.emulator.repositories.remove(repository)
      ctx.emulator.tags.drop(arnOf(repository))
      ctx.emulator.registry.store.forget(key)
    })()
    return { repository: wireRepository(ctx, repository) }
  }
})

const PutImageTagMutability = operation({
  authorize: 'handler',
  handle (input: RepositoryRef & { imageTagMutability: ImageTagMutability }, ctx) {
    const repository = authorizeOn(ctx, 'ecr:PutImageTagMutability', input)
    repository.imageTagMutability = input.imageTagMutability
    save(ctx, repository)
    return {
      registryId: repository.account,
      repositoryName: repository.repositoryName,
      imageTagMutability: repository.imageTagMutability
    }
  }
})

interface PutImageScanningConfigurationRequest extends RepositoryRef {
  imageScanningConfiguration: ImageScanningConfiguration
}

const PutImageScanningConfiguration = operation({
  authorize: 'handler',
  notes: 'Image scanning is not emulated: the setting is kept and echoed, no image is ever scanned, and StartImageScan and DescribeImageScanFindings are not implemented (they answer UnknownOperationException).',
  handle (input: PutImageScanningConfigurationRequest, ctx) {
    const repository = authorizeOn(ctx, 'ecr:PutImageScanningConfiguration', input)
    repository.imageScanningConfiguration = {
      scanOnPush: input.imageScanningConfiguration.scanOnPush ?? false
    }
    save(ctx, repository)
    return {
      registryId: repository.account,
      repositoryName: repository.repositoryName,
      imageScanningConfiguration: repository.imageScanningConfiguration
    }
  }
})

const policyAnswer = (r: RepositoryRecord, policyText: string) => ({
  registryId: r.account, repositoryName: r.repositoryName, policyText
})

const SetRepositoryPolicy = operation({
  authorize: 'handler',
  notes: 'The policy must parse as JSON whose statements each have Effect, Action and Principal and no Resource; principals are not checked to exist. `force` is accepted and ignored.',
  handle (input: RepositoryRef & { policyText: string, force?: boolean }, ctx) {
    const repository = authorizeOn(ctx, 'ecr:SetRepositoryPolicy', input)
    parseRepositoryPolicy(input.policyText)
    repository.policyText = input.policyText
    save(ctx, repository)
    return policyAnswer(repository, input.policyText)
  }
})

const GetRepositoryPolicy = operation({
  authorize: 'handler',
  handle (input: RepositoryRef, ctx) {
    const repository = authorizeOn(ctx, 'ecr:GetRepositoryPolicy', input)
    if (repository.policyText === undefined) {
      throw ecrErrors.policyNotFound(repository.repositoryName, repository.account)
    }
    return policyAnswer(repository, repository.policyText)
  }
})

const DeleteRepositoryPolicy = operation({
  authorize: 'handler',
  handle (input: RepositoryRef, ctx) {
    const repository = authorizeOn(ctx, 'ecr:DeleteRepositoryPolicy', input)
    const policyText = repository.policyText
    if (policyText === undefined) {
      throw ecrErrors.policyNotFound(repository.repositoryName, repository.account)
    }
    delete repository.policyText
    save(ctx, repository)
    return policyAnswer(repository, policyText)
  }
})

const GetAuthorizationToken = operation({
  notes: '`registryIds` (deprecated) is ignored: one token for the caller\'s registry. The password is an opaque token kept with the caller\'s key for 12 hours; the registry (`GET /_emulator/health` `registryPort`) re-resolves that key on every request. `proxyEndpoint` is the emulator\'s registry, `http://127.0.0.1:PORT` (AWS: `https://ACCOUNT.dkr.ecr.REGION.amazonaws.com`); its host holds no account or region: the token says which registry it opens, so one login serves one account and region at a time.',
  handle (_input: { registryIds?: string[] }, ctx) {
    const now = seconds(ctx)
    const token = newAuthorizationToken(ctx.account, ctx.region, ctx.principal.arn, now)
    ctx.emulator.repositories.addToken(token, now)
    // The registry's copy: bound to the key the call was signed with, re-resolved per request.
    ctx.emulator.registry.store.addToken({
      token: token.token, account: token.account, region: token.region,
      accessKeyId: ctx.credentials?.accessKeyId, sessionToken: ctx.credentials?.sessionToken,
      expiresAt: token.expiresAt
    }, now)
    return {
      authorizationData: [{
        authorizationToken: encodeAuthorizationToken(token),
        expiresAt: token.expiresAt,
        proxyEndpoint: `http://${registryHostOf(ctx)}`
      }]
    }
  }
})

const DescribeRegistry = operation({
  notes: 'Replication is not emulated: `replicationConfiguration` is always empty.',
  handle (_input: object, ctx) {
    return { registryId: ctx.account, replicationConfiguration: { rules: [] } }
  }
})

const TagResource = operation({
  authorize: 'handler',
  notes: 'Tag count and key/value limits beyond the model are not checked.',
  handle (input: { resourceArn: string, tags: Tag[] }, ctx) {
    const context = requestTagContext(input.tags)
    const repository = authorizeArn(ctx, 'ecr:TagResource', input.resourceArn, context)
    ctx.emulator.tags.tag(arnOf(repository), storedTags(input.tags))
    return {}
  }
})

const UntagResource = operation({
  authorize: 'handler',
  handle (input: { resourceArn: string, tagKeys: string[] }, ctx) {
    const context = { 'aws:TagKeys': input.tagKeys }
    const repository = authorizeArn(ctx, 'ecr:UntagResource', input.resourceArn, context)
    ctx.emulator.tags.untag(arnOf(repository), input.tagKeys)
    return {}
  }
})

const ListTagsForResource = operation({
  authorize: 'handler',
  handle (input: { resourceArn: string }, ctx) {
    const repository = authorizeArn(ctx, 'ecr:ListTagsForResource', input.resourceArn)
    return { tags: wireTags(ctx.emulator.tags.list(arnOf(repository))) }
  }
})

// --- images -----------------------------------------------------------------------------------

const LOCAL_IMAGES_NOTE = 'A repository\'s images are those pushed to the emulator\'s registry (their manifests, digests, sizes and push times as stored), and the local Docker engine\'s images tagged `ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO:TAG` (read again at most once a second): a local image\'s digest is its repository digest when Docker has one, else its image id (not a registry\'s manifest digest), and its `imagePushedAt` is when it was built.'

/** The images of a repository: those pushed to the registry, then its local Docker images. */
async function imagesOf (ctx: OperationContext, r: RepositoryRecord): Promise<RepositoryImage[]> {
  const pushed = pushedImages(ctx.emulator.registry.store,
    { account: r.account, region: r.region, repository: r.repositoryName })
  const local = await localImages(ctx.emulator).list(`${registryHost(r.account, r.region)}/${r.repositoryName}`)
  return [...pushed, ...local.filter(l => !pushed.some(p => p.imageDigest === l.imageDigest))]
}

interface ImagesFilter { tagStatus?: TagStatus, imageStatus?: string }

/** The images a filter keeps; every local image is ACTIVE. */
function filtered (images: RepositoryImage[], filter: ImagesFilter | undefined): RepositoryImage[] {
  const status = filter?.imageStatus ?? 'ACTIVE'
  if (status !== 'ACTIVE' && status !== 'ANY') return []
  return withTagStatus(images, filter?.tagStatus)
}

interface ListImagesRequest extends RepositoryRef {
  filter?: ImagesFilter
  maxResults?: number
  nextToken?: string
}

const ListImages = operation({
  authorize: 'handler',
  notes: LOCAL_IMAGES_NOTE,
  async handle (input: ListImagesRequest, ctx) {
    const repository = authorizeOn(ctx, 'ecr:ListImages', input)
    const images = filtered(await imagesOf(ctx, repository), input.filter)
    const page = pageOf(imageIds(images), input)
    return { imageIds: page.items, nextToken: page.nextToken }
  }
})

function imageDetail (r: RepositoryRecord, i: RepositoryImage) {
  return {
    registryId: r.account,
    repositoryName: r.repositoryName,
    imageDigest: i.imageDigest,
    // (unconfirmed) an untagged image's detail has no imageTags member.
    imageTags: i.imageTags.length > 0 ? i.imageTags : undefined,
    imageSizeInBytes: i.imageSizeInBytes,
    imagePushedAt: i.imagePushedAt,
    imageManifestMediaType: i.pushed?.mediaType ?? MANIFEST_MEDIA_TYPE,
    artifactMediaType: i.pushed === undefined ? CONFIG_MEDIA_TYPE : i.pushed.artifactMediaType
  }
}

interface DescribeImagesRequest extends ListImagesRequest { imageIds?: ImageIdentifier[] }

const DescribeImages = operation({
  authorize: 'handler',
  notes: `${LOCAL_IMAGES_NOTE} Image scanning is not emulated: details carry no scan status or findings. With \`imageIds\`, \`filter\` and paging are ignored.`,
  async handle (input: DescribeImagesRequest, ctx) {
    const repository = authorizeOn(ctx, 'ecr:DescribeImages', input)
    const images = await imagesOf(ctx, repository)
    if (input.imageIds !== undefined) {
      const named = input.imageIds.map(id => namedImage(images, id, repository))
      return { imageDetails: [...new Set(named)].map(i => imageDetail(repository, i)) }
    }
    const page = pageOf(filtered(images, input.filter), input)
    const imageDetails = page.items.map(i => imageDetail(repository, i))
    return { imageDetails, nextToken: page.nextToken }
  }
})

/** The image `id` names; ImageNotFoundException for the first that names none. */
function namedImage (images: RepositoryImage[], id: ImageIdentifier,
  r: RepositoryRecord): RepositoryImage {
  const found = findImage(images, id)
  // (unconfirmed) a malformed digest or a tag of another image reads as not found here.
  if ('failure' in found) throw ecrErrors.imageNotFound(id, r.repositoryName, r.account)
  return found.image
}

interface BatchGetImageRequest extends RepositoryRef {
  imageIds: ImageIdentifier[]
  acceptedMediaTypes?: string[]
}

const BatchGetImage = operation({
  authorize: 'handler',
  notes: `${LOCAL_IMAGES_NOTE} A pushed image's manifest is the one pushed, byte for byte; a local image's is made from it (its config and its uncompressed layer digests, sizes 0), Docker schema 2 only, so \`acceptedMediaTypes\` without \`${MANIFEST_MEDIA_TYPE}\` finds none.`,
  async handle (input: BatchGetImageRequest, ctx) {
    const repository = authorizeOn(ctx, 'ecr:BatchGetImage', input)
    const images = await imagesOf(ctx, repository)

    const found: object[] = []
    const failures: ImageFailure[] = []
    for (const id of input.imageIds) {
      const match = findImage(images, id)
      if ('failure' in match) failures.push(imageFailure(id, match.failure))
      // (unconfirmed) the failure for an image in none of the accepted media types.
      else if (!acceptsManifest(input.acceptedMediaTypes, match.image.pushed?.mediaType)) failures.push(imageFailure(id, 'ImageNotFound'))
      else found.push(wireImage(repository, id, match.image))
    }
    return { images: found, failures }
  }
})

/** An image as BatchGetImage answers it: the id asked for, with its digest. */
function wireImage (r: RepositoryRecord, id: ImageIdentifier, image: RepositoryImage) {
  return {
    registryId: r.account,
    repositoryName: r.repositoryName,
    // (unconfirmed) an image asked for by digest alone is answered with the digest alone.
    imageId: { imageDigest: image.imageDigest, imageTag: id.imageTag },
    imageManifest: image.pushed?.manifest ?? manifestOf(image),
    imageManifestMediaType: image.pushed?.mediaType ?? MANIFEST_MEDIA_TYPE
  }
}

const BatchCheckLayerAvailability = operation({
  authorize: 'handler',
  notes: `${LOCAL_IMAGES_NOTE} The blobs are the images' configs and layers: a pushed image's with their pushed sizes, a local image's by their uncompressed digests, each of size 0.`,
  async handle (input: RepositoryRef & { layerDigests: string[] }, ctx) {
    const repository = authorizeOn(ctx, 'ecr:BatchCheckLayerAvailability', input)
    const blobs = blobsOf(await imagesOf(ctx, repository))

    const layers: Layer[] = []
    const failures: LayerFailure[] = []
    for (const digest of input.layerDigests) {
      const checked = layerAvailability(blobs, digest)
      if ('failure' in checked) failures.push(checked.failure)
      else layers.push(checked.layer)
    }
    return { layers, failures }
  }
})

const GetDownloadUrlForLayer = operation({
  authorize: 'handler',
  notes: `${LOCAL_IMAGES_NOTE} The URL is on the emulator but serves nothing (404): AWS's is a presigned S3 URL; read a pushed blob from the registry instead (\`GET /v2/REPO/blobs/DIGEST\`).`,
  async handle (input: RepositoryRef & { layerDigest: string }, ctx) {
    const repository = authorizeOn(ctx, 'ecr:GetDownloadUrlForLayer', input)
    const blobs = blobsOf(await imagesOf(ctx, repository))
    const { layerDigest } = input
    if (!blobs.has(layerDigest)) {
      throw ecrErrors.layersNotFound(layerDigest, repository.repositoryName, repository.account)
    }
    return { downloadUrl: `${ctx.endpoint}/_emulator/ecr/layers/${layerDigest}`, layerDigest }
  }
})

/** The registry's key of a repository: where its pushed manifests, tags and blobs are. */
const keyOf = (r: RepositoryRecord) =>
  ({ account: r.account, region: r.region, repository: r.repositoryName })

const PutImage = operation({
  authorize: 'handler',
  notes: 'The manifest is stored in the emulator\'s registry as a `docker push` stores it (pullable by tag and digest); every blob it names (for an index, every manifest) must have been pushed to the repository first. `imageManifestMediaType` must agree with the manifest\'s own `mediaType` when both are given.',
  handle (input: PutImageRequest, ctx) {
    const repository = authorizeOn(ctx, 'ecr:PutImage', input)
    const key = keyOf(repository)
    const store = ctx.emulator.registry.store
    const put = planPut(store, key, repository, input, seconds(ctx))
    store.putManifest(key, put.manifest, put.tag)
    return {
      image: {
        registryId: repository.account,
        repositoryName: repository.repositoryName,
        imageId: { imageDigest: put.manifest.digest, imageTag: put.tag },
        imageManifest: input.imageManifest,
        imageManifestMediaType: put.manifest.mediaType
      }
    }
  }
})

const BatchDeleteImage = operation({
  authorize: 'handler',
  notes: 'Deletes pushed images only: a local Docker image of the repository reads as not found. A tag goes with its id; an image goes with its last tag, or with its digest (and all its tags) unless an index in the repository names it. Blob files stay on disk: there is no garbage collection.',
  handle (input: RepositoryRef & { imageIds: ImageIdentifier[] }, ctx) {
    const repository = authorizeOn(ctx, 'ecr:BatchDeleteImage', input)
    const key = keyOf(repository)
    const store = ctx.emulator.registry.store
    const planned = planDeletes(pushedImages(store, key), input.imageIds)
    ctx.emulator.db.transaction(() => { applyDeletes(store, key, planned.deletions) })()
    return { imageIds: planned.imageIds, failures: planned.failures }
  }
})

// --- lifecycle policies -------------------------------------------------------------------------

const lifecycleAnswer = (r: RepositoryRecord, text: string, lastEvaluatedAt?: number) => ({
  registryId: r.account,
  repositoryName: r.repositoryName,
  lifecyclePolicyText: text,
  // (unconfirmed) a policy never evaluated has no lastEvaluatedAt.
  lastEvaluatedAt
})

/** The repository's lifecycle policy; LifecyclePolicyNotFoundException when it has none. */
function lifecyclePolicyOf (r: WithLifecyclePolicy) {
  if (r.lifecyclePolicy === undefined) throw lifecycleErrors.notFound(r.repositoryName, r.account)
  return r.lifecyclePolicy
}

const LIFECYCLE_NOTE = 'Lifecycle policies are stored, never applied: no image ever expires, and `lastEvaluatedAt` is never set.'

const PutLifecyclePolicy = operation({
  authorize: 'handler',
  notes: `${LIFECYCLE_NOTE} The text is checked as JSON with ECR's rule shape (rulePriority, selection, action) and its rules on tag status and priorities; some refusals' wording is ECR's, others are close to it.`,
  handle (input: RepositoryRef & { lifecyclePolicyText: string }, ctx) {
    const repository: WithLifecyclePolicy = authorizeOn(ctx, 'ecr:PutLifecyclePolicy', input)
    validateLifecyclePolicy(input.lifecyclePolicyText)
    repository.lifecyclePolicy = { lifecyclePolicyText: input.lifecyclePolicyText }
    save(ctx, repository)
    return {
      registryId: repository.account,
      repositoryName: repository.repositoryName,
      lifecyclePolicyText: input.lifecyclePolicyText
    }
  }
})

const GetLifecyclePolicy = operation({
  authorize: 'handler',
  notes: LIFECYCLE_NOTE,
  handle (input: RepositoryRef, ctx) {
    const repository: WithLifecyclePolicy = authorizeOn(ctx, 'ecr:GetLifecyclePolicy', input)
    const policy = lifecyclePolicyOf(repository)
    return lifecycleAnswer(repository, policy.lifecyclePolicyText, policy.lastEvaluatedAt)
  }
})

const DeleteLifecyclePolicy = operation({
  authorize: 'handler',
  notes: LIFECYCLE_NOTE,
  handle (input: RepositoryRef, ctx) {
    const repository: WithLifecyclePolicy = authorizeOn(ctx, 'ecr:DeleteLifecyclePolicy', input)
    const policy = lifecyclePolicyOf(repository)
    delete repository.lifecyclePolicy
    save(ctx, repository)
    return lifecycleAnswer(repository, policy.lifecyclePolicyText, policy.lastEvaluatedAt)
  }
})

export const ecrOperations: Record<string, Operation> = {
  CreateRepository, DescribeRepositories, DeleteRepository, PutImageTagMutability,
  PutImageScanningConfiguration, SetRepositoryPolicy, GetRepositoryPolicy, DeleteRepositoryPolicy,
  GetAuthorizationToken, DescribeRegistry, TagResource, UntagResource, ListTagsForResource,
  ListImages, DescribeImages, BatchGetImage, BatchCheckLayerAvailability, GetDownloadUrlForLayer,
  PutImage, BatchDeleteImage, PutLifecyclePolicy, GetLifecyclePolicy, DeleteLifecyclePolicy
}

export const ecr: Service = {
  name: 'ecr',
  model: 'ecr',
  protocol: 'json',
  signingName: 'ecr',
  actionPrefix: 'ecr',
  targetPrefix: 'AmazonEC2ContainerRegistry_V20150921',
  checkPatterns: true,
  // InvalidParameterException `Invalid parameter at 'X' failed to satisfy constraint: '...'`.
  invalidInput,
  operations: ecrOperations
}
