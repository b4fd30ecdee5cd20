/**
 * A repository's pushed images (the registry's manifests, store/ecr-registry.ts) in the terms
 * the ECR API answers with (`RepositoryImage`, as local images are): digest, tags, the size of
 * its config and layers, when it was pushed, and the blobs a pull asks for by digest.
 */
import type { RegistryStore, RepositoryKey } from '../../store/ecr-registry.js'
import type { RepositoryImage } from './local-images.js'

interface Descriptor { mediaType?: string, digest?: string, size?: number }
interface ManifestDocument { mediaType?: string, config?: Descriptor, layers?: Descriptor[], manifests?: Descriptor[] }

export function pushedImages (store: RegistryStore, repository: RepositoryKey): RepositoryImage[] {
  return store.images(repository).map(m => {
    const text = m.bytes.toString('utf8')
    let doc: ManifestDocument = {}
    try { doc = JSON.parse(text) as ManifestDocument } catch {}
    const parts = [...(doc.config === undefined ? [] : [doc.config]), ...(doc.layers ?? []), ...(doc.manifests ?? [])]
    const blobs = new Map(parts.filter(p => p.digest !== undefined)
      .map(p => [p.digest!, { mediaType: p.mediaType ?? '', size: p.size ?? 0 }]))
    return {
      imageDigest: m.digest,
      imageTags: m.tags,
      imageSizeInBytes: parts.reduce((n, p) => n + (p.size ?? 0), 0),
      imagePushedAt: m.pushedAt,
      configDigest: doc.config?.digest ?? '',
      layers: (doc.layers ?? []).map(l => l.digest ?? ''),
      pushed: { manifest: text, mediaType: m.mediaType, artifactMediaType: doc.config?.mediaType, blobs }
    }
  })
}
