/**
 * The rules of a repository's images (src/ecr/local-images.ts reads them from Docker): finding
 * an image by tag and digest, the image ids ListImages answers, the manifest BatchGetImage
 * hands out and the blobs (config and layers) a pull asks for. Failures read as ECR words them.
 */
import type { ImageIdentifier } from './repository.js'
import type { RepositoryImage } from './local-images.js'

export const MANIFEST_MEDIA_TYPE = 'application/vnd.docker.distribution.manifest.v2+json'
export const CONFIG_MEDIA_TYPE = 'application/vnd.docker.container.image.v1+json'
export const LAYER_MEDIA_TYPE = 'application/vnd.docker.image.rootfs.diff.tar.gzip'

/** The model's pattern of a digest (`LayerDigest`), which ECR also applies to image digests. */
const DIGEST = /^[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+$/

export const isDigest = (text: string): boolean => DIGEST.test(text)

export type TagStatus = 'TAGGED' | 'UNTAGGED' | 'ANY'

export type ImageFailureCode =
  'ImageNotFound' | 'ImageTagDoesNotMatchDigest' | 'MissingDigestAndTag' | 'InvalidImageDigest'

export interface ImageFailure {
  imageId: ImageIdentifier
  failureCode: ImageFailureCode
  failureReason: string
}

// "Requested image not found" is ECR's; (unconfirmed) the other three reasons' wording.
const IMAGE_FAILURE_REASONS: Record<ImageFailureCode, string> = {
  ImageNotFound: 'Requested image not found',
  ImageTagDoesNotMatchDigest: 'Invalid request parameters: given tag does not map to the given digest',
  MissingDigestAndTag: 'Invalid request parameters: both tag and digest cannot be null',
  InvalidImageDigest: `Invalid request parameters: image digest should satisfy the regex '${DIGEST.source.slice(1, -1)}'`
}

export const imageFailure = (imageId: ImageIdentifier, failureCode: ImageFailureCode):
ImageFailure => ({ imageId, failureCode, failureReason: IMAGE_FAILURE_REASONS[failureCode] })

/**
 * The image `id` names: by tag, by digest, or by both when the tag's image has that digest.
 * A tag that exists on another image than the digest's is ImageTagDoesNotMatchDigest; a tag
 * that does not exist is ImageNotFound whatever the digest.
 */
export function findImage (images: RepositoryImage[], id: ImageIdentifier):
{ image: RepositoryImage } | { failure: ImageFailureCode } {
  const { imageTag: tag, imageDigest: digest } = id
  if (tag === undefined && digest === undefined) return { failure: 'MissingDigestAndTag' }
  if (digest !== undefined && !isDigest(digest)) return { failure: 'InvalidImageDigest' }

  const byTag = tag === undefined ? undefined : images.find(i => i.imageTags.includes(tag))
  const byDigest = digest === undefined ? undefined : images.find(i => i.imageDigest === digest)
  if (tag !== undefined && byTag === undefined) return { failure: 'ImageNotFound' }
  if (digest !== undefined && byDigest === undefined) {
    return { failure: byTag === undefined ? 'ImageNotFound' : 'ImageTagDoesNotMatchDigest' }
  }
  if (byTag !== undefined && byDigest !== undefined && byTag !== byDigest) {
    return { failure: 'ImageTagDoesNotMatchDigest' }
  }
  return { image: (byTag ?? byDigest)! }
}

export const isTagged = (i: RepositoryImage): boolean => i.imageTags.length > 0

/** The images a `tagStatus` filter keeps (ANY when absent). */
export function withTagStatus (images: RepositoryImage[], status: TagStatus = 'ANY'):
RepositoryImage[] {
  if (status === 'ANY') return images
  return images.filter(i => isTagged(i) === (status === 'TAGGED'))
}

/** ListImages' answer: one id per tag of a tagged image, the digest alone for an untagged one. */
export function imageIds (images: RepositoryImage[]): ImageIdentifier[] {
  return images.flatMap(i => isTagged(i)
    ? i.imageTags.map(imageTag => ({ imageDigest: i.imageDigest, imageTag }))
    : [{ imageDigest: i.imageDigest }])
}

/**
 * A Docker image manifest (schema 2) for the image, indented as Docker writes one: its config
 * and its layers by digest. (unconfirmed) the layer digests are Docker's uncompressed ones and
 * no size is known (0), where a pushed image's manifest has the compressed blobs and sizes.
 */
export function manifestOf (image: RepositoryImage): string {
  const manifest = {
    schemaVersion: 2,
    mediaType: MANIFEST_MEDIA_TYPE,
    config: { mediaType: CONFIG_MEDIA_TYPE, size: 0, digest: image.configDigest },
    layers: image.layers.map(digest => ({ mediaType: LAYER_MEDIA_TYPE, size: 0, digest }))
  }
  return JSON.stringify(manifest, null, 3)
}

/** Whether a BatchGetImage `acceptedMediaTypes` takes an image's manifest (Docker schema 2 for a local one). */
export const acceptsManifest = (accepted: string[] | undefined, mediaType = MANIFEST_MEDIA_TYPE): boolean =>
  accepted === undefined || accepted.includes(mediaType)

/** Every blob a pull may ask for by digest (configs and layers), with its media type and size. */
export function blobsOf (images: RepositoryImage[]): Map<string, { mediaType: string, size: number }> {
  const blobs = new Map<string, { mediaType: string, size: number }>()
  for (const image of images) {
    if (image.pushed !== undefined) {
      for (const [digest, blob] of image.pushed.blobs) blobs.set(digest, blob)
      continue
    }
    blobs.set(image.configDigest, { mediaType: CONFIG_MEDIA_TYPE, size: 0 })
    for (const layer of image.layers) blobs.set(layer, { mediaType: LAYER_MEDIA_TYPE, size: 0 })
  }
  return blobs
}

export type LayerFailureCode = 'InvalidLayerDigest' | 'MissingLayerDigest'

export interface Layer {
  layerDigest: string
  layerAvailability: 'AVAILABLE' | 'UNAVAILABLE'
  layerSize?: number
  mediaType?: string
}

export interface LayerFailure {
  layerDigest: string
  failureCode: LayerFailureCode
  failureReason: string
}

/**
 * BatchCheckLayerAvailability's view of one digest. A well-formed digest the repository lacks
 * is a layer UNAVAILABLE, as ECR answers a layer not pushed yet; an empty digest is
 * MissingLayerDigest and a malformed one InvalidLayerDigest. (unconfirmed) both reasons'
 * wording. A pushed blob has its size; a local image's (made up from Docker) 0.
 */
export function layerAvailability (blobs: Map<string, { mediaType: string, size: number }>, layerDigest: string):
{ layer: Layer } | { failure: LayerFailure } {
  const failure = (failureCode: LayerFailureCode, failureReason: string) =>
    ({ failure: { layerDigest, failureCode, failureReason } })
  if (layerDigest === '') return failure('MissingLayerDigest', 'Layer digest cannot be null or empty')
  if (!isDigest(layerDigest)) return failure('InvalidLayerDigest', `Invalid layer digest: ${layerDigest}`)

  const blob = blobs.get(layerDigest)
  if (blob === undefined) return { layer: { layerDigest, layerAvailability: 'UNAVAILABLE' } }
  return { layer: { layerDigest, layerAvailability: 'AVAILABLE', layerSize: blob.size, mediaType: blob.mediaType } }
}
