/**
 * The rules of BatchDeleteImage over a repository's pushed images: an id with a tag removes
 * that tag (and the image with its last tag), an id with a digest alone removes the image and
 * every tag it has. Each id is taken in turn against what the ids before it left; one that
 * cannot be deleted is a failure, as ECR words it, and the others still go.
 */
import type { ImageIdentifier } from './repository.js'
import { findImage, imageFailure, type ImageFailureCode } from './images.js'
import { isTag } from './registry.js'
import type { RepositoryImage } from './local-images.js'
import type { RegistryStore, RepositoryKey } from '../../store/ecr-registry.js'

export type DeleteFailureCode = ImageFailureCode | 'InvalidImageTag' | 'ImageReferencedByManifestList'

export interface DeleteFailure {
  imageId: ImageIdentifier
  failureCode: DeleteFailureCode
  failureReason: string
}

/** A change to the store: a tag removed, or an image removed with its tags. */
export type Deletion = { untag: string } | { remove: string }

export interface PlannedDeletes {
  /** The ids deleted, one per tag removed (an untagged image's digest alone). */
  imageIds: ImageIdentifier[]
  failures: DeleteFailure[]
  deletions: Deletion[]
}

const TAG_REGEX = '[a-zA-Z0-9_][a-zA-Z0-9._-]*'

// (unconfirmed) these two reasons' wording.
const failure = (imageId: ImageIdentifier, code: DeleteFailureCode, referrers: string[] = []):
DeleteFailure => {
  if (code === 'InvalidImageTag') {
    return { imageId, failureCode: code, failureReason: `Invalid request parameters: image tag should satisfy the regex '${TAG_REGEX}'` }
  }
  if (code === 'ImageReferencedByManifestList') {
    return { imageId, failureCode: code, failureReason: `Requested image referenced by manifest list: [${referrers.join(', ')}]` }
  }
  return imageFailure(imageId, code)
}

/** The manifests (indexes) of the repository other than `image` that name it. */
const referrersOf = (images: RepositoryImage[], image: RepositoryImage): string[] =>
  images.filter(i => i !== image && i.pushed?.blobs.has(image.imageDigest) === true)
    .map(i => i.imageDigest)

/** Works out what each id deletes, in order; `images` is the repository's pushed images. */
export function planDeletes (images: RepositoryImage[], ids: ImageIdentifier[]): PlannedDeletes {
  const left = images.map(i => ({ ...i, imageTags: [...i.imageTags] }))
  const planned: PlannedDeletes = { imageIds: [], failures: [], deletions: [] }
  for (const id of ids) {
    if (id.imageTag !== undefined && !isTag(id.imageTag)) {
      planned.failures.push(failure(id, 'InvalidImageTag'))
      continue
    }
    const found = findImage(left, id)
    if ('failure' in found) planned.failures.push(failure(id, found.failure))
    else if (id.imageTag !== undefined) untag(left, found.image, id.imageTag, planned)
    else remove(left, found.image, id, planned)
  }
  return planned
}

/**
 * Removes one tag; an image left without tags goes too, unless an index names it.
 * (unconfirmed) that such an image stays, untagged, rather than failing.
 */
function untag (left: RepositoryImage[], image: RepositoryImage, tag: string,
  planned: PlannedDeletes): void {
  image.imageTags = image.imageTags.filter(t => t !== tag)
  planned.deletions.push({ untag: tag })
  planned.imageIds.push({ imageDigest: image.imageDigest, imageTag: tag })
  if (image.imageTags.length > 0 || referrersOf(left, image).length > 0) return
  left.splice(left.indexOf(image), 1)
  planned.deletions.push({ remove: image.imageDigest })
}

/** Removes the image and all its tags, unless an index in the repository names it. */
function remove (left: RepositoryImage[], image: RepositoryImage, id: ImageIdentifier,
  planned: PlannedDeletes): void {
  const referrers = referrersOf(left, image)
  if (referrers.length > 0) {
    planned.failures.push(failure(id, 'ImageReferencedByManifestList', referrers))
    return
  }
  left.splice(left.indexOf(image), 1)
  planned.deletions.push({ remove: image.imageDigest })
  // (unconfirmed) a tagged image deleted by digest answers one id per tag it had.
  const deleted = image.imageTags.length === 0
    ? [{ imageDigest: image.imageDigest }]
    : image.imageTags.map(imageTag => ({ imageDigest: image.imageDigest, imageTag }))
  planned.imageIds.push(...deleted)
}

/** Applies the planned deletions to the registry's store (in the caller's transaction). */
export function applyDeletes (store: RegistryStore, key: RepositoryKey, deletions: Deletion[]): void {
  for (const d of deletions) {
    if ('untag' in d) store.untag(key, d.untag)
    else store.removeManifest(key, d.remove)
  }
}
