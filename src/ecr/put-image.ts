/**
 * The rules of PutImage: a manifest pushed through the API lands in the registry's store
 * (store/ecr-registry.ts) exactly as a `docker push` puts it there, so the registry serves it
 * and the image calls list it. What it refers to must be in the repository already; a tag
 * moves under the repository's mutability rule; ECR words each refusal.
 */
import { AwsError } from '../../api/errors.js'
import { invalidParameter, type RepositoryRecord } from './repository.js'
import { isImmutableTag, isTag, parseManifest, RegistryError, type ParsedManifest } from './registry.js'
import type { RegistryStore, RepositoryKey, StoredManifest } from '../../store/ecr-registry.js'

export interface PutImageRequest {
  registryId?: string
  repositoryName: string
  imageManifest: string
  imageManifestMediaType?: string
  imageTag?: string
  imageDigest?: string
}

/** A Java list as ECR prints one: `[a, b]`. */
const listed = (digests: string[]): string => `[${digests.join(', ')}]`

export const putImageErrors = {
  // ECR's text (an AWS CLI report). (unconfirmed) `'null'` for a push without a tag.
  exists: (digest: string, tag: string | undefined, name: string, registry: string) => new AwsError('ImageAlreadyExistsException', `Image with digest '${digest}' and tag '${tag ?? 'null'}' already exists in the repository with name '${name}' in registry with id '${registry}'`),
  // (unconfirmed) the API's text: the registry's TAG_INVALID sentence for the same refusal.
  tagExists: (tag: string, name: string) => new AwsError('ImageTagAlreadyExistsException', `The image tag '${tag}' already exists in the '${name}' repository and cannot be overwritten because the tag is immutable.`),
  // (unconfirmed) the wording.
  digestMismatch: (given: string, computed: string) => new AwsError('ImageDigestDoesNotMatchException', `The provided image digest '${given}' does not match the digest '${computed}' that Amazon ECR calculated for the image manifest`),
  // (unconfirmed) the wording, after the registry's `Images with digests [...] required for
  // pushing image into repository [...] do not exist` (quoted with its values elided).
  layersNotFound: (digests: string[], name: string, registry: string) => new AwsError('LayersNotFoundException', `Layers with digests '${listed(digests)}' required for pushing image into repository with name '${name}' in the registry with id '${registry}' do not exist`),
  // An index naming a missing manifest: the API reference's ReferencedImagesNotFoundException
  // ("The manifest list is referencing an image that does not exist"), not LayersNotFound.
  referencedNotFound: (digests: string[], name: string, registry: string) => new AwsError('ReferencedImagesNotFoundException', `Images with digests '${listed(digests)}' required for pushing image into repository with name '${name}' in the registry with id '${registry}' do not exist`),
  // (unconfirmed) the texts of a manifest ECR cannot read, a media type the manifest
  // contradicts, and a tag the registry could not serve.
  invalidManifest: (why: string) => invalidParameter('ImageManifest', why),
  mediaTypeMismatch: () => invalidParameter('ImageManifestMediaType', 'The media type of the manifest does not match the provided media type'),
  invalidTag: () => invalidParameter('ImageTag', 'must satisfy regular expression \'[a-zA-Z0-9_][a-zA-Z0-9._-]*\'')
}

/** What a PutImage stores, once every rule holds: the manifest, and the tag it moves. */
export interface PlannedPut {
  manifest: StoredManifest
  tag?: string
}

/**
 * Checks a PutImage against the repository's contents and returns what to store. The order:
 * the manifest itself, the digest, the tag, what it refers to, then the image or tag it would
 * overwrite. (unconfirmed) ECR's order when several rules fail at once.
 */
export function planPut (store: RegistryStore, key: RepositoryKey, repository: RepositoryRecord,
  input: PutImageRequest, now: number): PlannedPut {
  const bytes = Buffer.from(input.imageManifest, 'utf8')
  const parsed = readManifest(bytes, input.imageManifestMediaType)
  const mediaType = input.imageManifestMediaType ?? parsed.mediaType
  if (mediaType !== parsed.mediaType) throw putImageErrors.mediaTypeMismatch()
  if (input.imageDigest !== undefined && input.imageDigest !== parsed.digest) {
    throw putImageErrors.digestMismatch(input.imageDigest, parsed.digest)
  }
  const tag = input.imageTag
  if (tag !== undefined && !isTag(tag)) throw putImageErrors.invalidTag()

  assertReferencesPresent(store, key, parsed)
  assertNew(store, key, repository, parsed.digest, tag)
  return { manifest: { digest: parsed.digest, mediaType, bytes, pushedAt: now }, tag }
}

/** The manifest as the registry reads one; its refusal in the API's words. */
function readManifest (bytes: Buffer, mediaType: string | undefined): ParsedManifest {
  try {
    return parseManifest(bytes, mediaType)
  } catch (e) {
    if (!(e instanceof RegistryError)) throw e
    const why = e.message.replace(/^manifest invalid: /, '')
    throw putImageErrors.invalidManifest(why === 'the manifest is not JSON' ? 'Invalid JSON syntax' : why)
  }
}

/** Every blob an image manifest names, and every manifest an index names, must be here. */
function assertReferencesPresent (store: RegistryStore, key: RepositoryKey, parsed: ParsedManifest): void {
  const blobs = [...new Set(parsed.blobs)].filter(d => store.blobSize(key, d) === undefined)
  if (blobs.length > 0) throw putImageErrors.layersNotFound(blobs, key.repository, key.account)
  const manifests = [...new Set(parsed.manifests)].filter(d => store.manifest(key, d) === undefined)
  if (manifests.length > 0) throw putImageErrors.referencedNotFound(manifests, key.repository, key.account)
}

/**
 * The same manifest under the same tag (or untagged, when it is stored already) changes
 * nothing: ImageAlreadyExistsException. An immutable tag on another image does not move.
 */
function assertNew (store: RegistryStore, key: RepositoryKey, repository: RepositoryRecord,
  digest: string, tag: string | undefined): void {
  const stored = store.manifest(key, digest) !== undefined
  const current = tag === undefined ? undefined : store.tagged(key, tag)
  if (stored && (tag === undefined || current === digest)) {
    throw putImageErrors.exists(digest, tag, key.repository, key.account)
  }
  if (tag !== undefined && current !== undefined && isImmutableTag(repository, tag)) {
    throw putImageErrors.tagExists(tag, key.repository)
  }
}
