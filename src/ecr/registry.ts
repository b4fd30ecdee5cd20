/**
 * The rules of ECR's registry (the Docker Registry HTTP API v2): which request is which IAM
 * action, what a manifest must be, when a tag may move, and how ECR words each refusal.
 * api/ecr-registry only speaks HTTP.
 */
import { createHash } from 'node:crypto'
import type { RepositoryRecord } from './repository.js'

/** A refusal as the registry answers it: `{"errors":[{code, message}]}` with `status`. */
export class RegistryError extends Error {
  constructor (readonly status: number, readonly code: string, message: string,
    readonly decisionId?: string) {
    super(message)
  }
}

export const registryErrors = {
  // ECR's text (the API's RepositoryNotFoundException message). (unconfirmed) the 404.
  nameUnknown: (name: string, registry: string) => new RegistryError(404, 'NAME_UNKNOWN', `The repository with name '${name}' does not exist in the registry with id '${registry}'`),
  denied: (message: string, decisionId?: string) => new RegistryError(403, 'DENIED', message, decisionId),
  // ECR's text; (unconfirmed) the 403.
  expired: () => new RegistryError(403, 'DENIED', 'Your authorization token has expired. Reauthenticate and try again.'),
  // (unconfirmed) the registry's text: BatchGetImage's failureReason.
  manifestUnknown: () => new RegistryError(404, 'MANIFEST_UNKNOWN', 'Requested image not found'),
  // (unconfirmed) ECR's texts for these: the distribution spec's messages.
  blobUnknown: () => new RegistryError(404, 'BLOB_UNKNOWN', 'blob unknown to registry'),
  uploadUnknown: () => new RegistryError(404, 'BLOB_UPLOAD_UNKNOWN', 'blob upload unknown to registry'),
  digestInvalid: () => new RegistryError(400, 'DIGEST_INVALID', 'provided digest did not match uploaded content'),
  manifestInvalid: (why: string) => new RegistryError(400, 'MANIFEST_INVALID', `manifest invalid: ${why}`),
  manifestBlobUnknown: (digest: string) => new RegistryError(400, 'MANIFEST_BLOB_UNKNOWN', `blob unknown to registry: ${digest}`),
  rangeInvalid: () => new RegistryError(416, 'BLOB_UPLOAD_INVALID', 'blob upload invalid: the range does not continue the upload'),
  unsupported: () => new RegistryError(405, 'UNSUPPORTED', 'The operation is unsupported.'),
  notFound: () => new RegistryError(404, 'NOT_FOUND', 'not found'),
  // (unconfirmed) the code and status of a manifest DELETE that BatchDeleteImage would refuse
  // for the same id: its failureReason as the message.
  deleteRefused: (reason: string) => new RegistryError(400, 'DENIED', reason),
  // ECR's newer wording (2025); 2020-2023 it ended "because the repository is immutable.".
  // (unconfirmed) the status.
  tagImmutable: (tag: string, name: string) => new RegistryError(400, 'TAG_INVALID', `The image tag '${tag}' already exists in the '${name}' repository and cannot be overwritten because the tag is immutable.`),
  tagInvalid: (tag: string) => new RegistryError(400, 'TAG_INVALID', `manifest tag did not match URI: ${tag}`)
}

/** The 401 body ECR sends with its Basic challenge (text/plain). */
export const NOT_AUTHORIZED = 'Not Authorized\n'

/** ECR's challenge, with this registry's address as the realm. */
export const challenge = (base: string): string =>
  `Basic realm="${base}/",service="ecr.amazonaws.com"`

export type Route =
  | { kind: 'ping' }
  | { kind: 'catalog' }
  | { kind: 'tags', name: string }
  | { kind: 'manifest', name: string, reference: string }
  | { kind: 'blob', name: string, digest: string }
  | { kind: 'uploads', name: string }
  | { kind: 'upload', name: string, id: string }

const NAME = '((?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*)'
const ROUTES: Array<[RegExp, (m: RegExpExecArray) => Route]> = [
  [/^\/v2\/?$/, () => ({ kind: 'ping' })],
  [/^\/v2\/_catalog$/, () => ({ kind: 'catalog' })],
  [new RegExp(`^/v2/${NAME}/tags/list$`), m => ({ kind: 'tags', name: m[1] })],
  [new RegExp(`^/v2/${NAME}/manifests/([^/]+)$`), m => ({ kind: 'manifest', name: m[1], reference: m[2] })],
  [new RegExp(`^/v2/${NAME}/blobs/uploads/?$`), m => ({ kind: 'uploads', name: m[1] })],
  [new RegExp(`^/v2/${NAME}/blobs/uploads/([^/]+)$`), m => ({ kind: 'upload', name: m[1], id: m[2] })],
  [new RegExp(`^/v2/${NAME}/blobs/([^/]+)$`), m => ({ kind: 'blob', name: m[1], digest: m[2] })]
]

export function route (pathname: string): Route | undefined {
  for (const [pattern, make] of ROUTES) {
    const m = pattern.exec(pathname)
    if (m !== null) return make(m)
  }
  return undefined
}

/** The IAM action of a request on a repository (every one is on the repository's ARN). */
export function actionOf (r: Route, method: string): string | undefined {
  const read = method === 'GET' || method === 'HEAD'
  switch (r.kind) {
    case 'manifest': return read ? 'ecr:BatchGetImage' : method === 'PUT' ? 'ecr:PutImage'
      : method === 'DELETE' ? 'ecr:BatchDeleteImage' : undefined
    case 'blob': return method === 'GET' ? 'ecr:GetDownloadUrlForLayer'
      : method === 'HEAD' ? 'ecr:BatchCheckLayerAvailability' : undefined
    case 'uploads': return method === 'POST' ? 'ecr:InitiateLayerUpload' : undefined
    // (unconfirmed) a status GET and a cancelling DELETE of an upload as ecr:UploadLayerPart.
    case 'upload': return method === 'PUT' ? 'ecr:CompleteLayerUpload'
      : ['PATCH', 'GET', 'DELETE'].includes(method) ? 'ecr:UploadLayerPart' : undefined
    // (unconfirmed) the tag list as ecr:ListImages.
    case 'tags': return read ? 'ecr:ListImages' : undefined
    default: return undefined
  }
}

export const isDigest = (s: string): boolean => /^sha256:[a-f0-9]{64}$/.test(s)

// ECR allows tags of up to 300 characters.
export const isTag = (s: string): boolean => /^[A-Za-z0-9_][A-Za-z0-9._-]{0,299}$/.test(s)

export const digestOf = (bytes: Buffer): string =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`

export const MEDIA_TYPES = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json'
} as const

const INDEXES: string[] = [MEDIA_TYPES.dockerList, MEDIA_TYPES.ociIndex]
const IMAGES: string[] = [MEDIA_TYPES.dockerManifest, MEDIA_TYPES.ociManifest]

/** Layers a registry does not hold (their `urls` say where they are). */
const FOREIGN = /nondistributable|foreign/

interface Descriptor { mediaType?: string, digest?: unknown, urls?: unknown }

export interface ParsedManifest {
  mediaType: string
  digest: string
  /** The blobs (config and layers) an image manifest names. */
  blobs: string[]
  /** The manifests an index names. */
  manifests: string[]
}

/**
 * A pushed manifest: its media type (the document's `mediaType`, else the request's
 * Content-Type), its digest, and what it refers to; MANIFEST_INVALID when it is none of
 * schema 2, OCI manifest, manifest list or OCI index.
 */
export function parseManifest (bytes: Buffer, contentType: string | undefined): ParsedManifest {
  let doc: { mediaType?: unknown, config?: Descriptor, layers?: unknown, manifests?: unknown }
  try { doc = JSON.parse(bytes.toString('utf8')) } catch {
    throw registryErrors.manifestInvalid('the manifest is not JSON')
  }
  if (doc === null || typeof doc !== 'object') throw registryErrors.manifestInvalid('the manifest is not an object')
  const declared = typeof doc.mediaType === 'string' ? doc.mediaType : contentType?.split(';')[0].trim()
  const mediaType = declared ?? (Array.isArray(doc.manifests) ? MEDIA_TYPES.ociIndex : MEDIA_TYPES.ociManifest)
  const parsed: ParsedManifest = { mediaType, digest: digestOf(bytes), blobs: [], manifests: [] }
  if (INDEXES.includes(mediaType)) {
    if (!Array.isArray(doc.manifests)) throw registryErrors.manifestInvalid('an index needs manifests')
    parsed.manifests = (doc.manifests as Descriptor[]).map(d => descriptorDigest(d))
    return parsed
  }
  if (!IMAGES.includes(mediaType)) throw registryErrors.manifestInvalid(`unsupported media type ${mediaType}`)
  if (doc.config === undefined || !Array.isArray(doc.layers)) {
    throw registryErrors.manifestInvalid('an image manifest needs a config and layers')
  }
  const layers = (doc.layers as Descriptor[])
    .filter(l => !(FOREIGN.test(String(l.mediaType ?? '')) && Array.isArray(l.urls)))
  parsed.blobs = [descriptorDigest(doc.config), ...layers.map(descriptorDigest)]
  return parsed
}

function descriptorDigest (d: Descriptor): string {
  if (d === null || typeof d !== 'object' || typeof d.digest !== 'string' || !isDigest(d.digest)) {
    throw registryErrors.manifestInvalid('a descriptor has no valid digest')
  }
  return d.digest
}

/** Whether `tag` may not be moved in this repository (exclusion filters: `*` wildcards). */
export function isImmutableTag (r: RepositoryRecord, tag: string): boolean {
  const excluded = (r.imageTagMutabilityExclusionFilters ?? []).some(f => wildcard(f.filter).test(tag))
  switch (r.imageTagMutability) {
    case 'IMMUTABLE': return true
    case 'IMMUTABLE_WITH_EXCLUSION': return !excluded
    case 'MUTABLE_WITH_EXCLUSION': return excluded
    default: return false
  }
}

const wildcard = (filter: string): RegExp =>
  new RegExp(`^${filter.split('*').map(p => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`)

/**
 * ECR's rule for a tag push: an immutable tag that names another image refuses. (unconfirmed)
 * pushing the same manifest again under an immutable tag succeeds.
 */
export function assertTagMovable (r: RepositoryRecord, tag: string, current: string | undefined,
  digest: string): void {
  if (current !== undefined && current !== digest && isImmutableTag(r, tag)) {
    throw registryErrors.tagImmutable(tag, r.repositoryName)
  }
}

/** An upload's `Range` header: `0-LAST`, no `bytes=` (Docker parses `%d-%d`). */
export const uploadRange = (size: number): string => `0-${Math.max(size - 1, 0)}`

/**
 * The bytes a blob GET's `Range` asks for, as S3 (where ECR sends layer downloads) reads one:
 * a single `bytes=START-[END]` or `bytes=-SUFFIX`; undefined for no header or one it ignores
 * (the whole blob is sent), 'unsatisfiable' for a start past the end.
 */
export function blobRange (header: string | undefined, size: number):
  { start: number, end: number } | 'unsatisfiable' | undefined {
  const m = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (m === null || (m[1] === '' && m[2] === '')) return undefined
  if (m[1] === '') {
    const suffix = Number(m[2])
    return suffix === 0 ? 'unsatisfiable' : { start: Math.max(size - suffix, 0), end: size - 1 }
  }
  const start = Number(m[1])
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)
  if (m[2] !== '' && Number(m[2]) < start) return undefined
  return start >= size ? 'unsatisfiable' : { start, end }
}

/** The start of a PATCH's `Content-Range` (`START-END`, with or without `bytes `). */
export function rangeStart (header: string | undefined): number | undefined {
  if (header === undefined) return undefined
  const m = /^(?:bytes[ =])?(\d+)-(\d+)(?:\/\d+|\/\*)?$/.exec(header.trim())
  return m === null ? Number.NaN : Number(m[1])
}
