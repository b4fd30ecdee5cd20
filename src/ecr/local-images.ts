/**
 * A repository's images, until a registry exists: every image of the local Docker engine
 * tagged `ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO:TAG` is an image of repository REPO. What
 * Docker says is cached for a second, so a burst of ECR calls (an agent's pull) asks it once.
 */
import type Docker from 'dockerode'
import type { Logger } from '../log.js'

/** One image of a repository, as the ECR operations describe it. */
export interface RepositoryImage {
  /**
   * The image's digest for this repository in `RepoDigests`, else Docker's image id.
   * (unconfirmed) a registry's digest is that of the manifest it stores, which this is not.
   */
  imageDigest: string
  /** The image's tags in this repository, sorted. */
  imageTags: string[]
  imageSizeInBytes: number
  /** Epoch seconds; Docker's `Created` (when the image was built, not pushed). */
  imagePushedAt: number
  /** Docker's image id: the digest of the image's config. */
  configDigest: string
  /** The image's layers as Docker knows them (`RootFS.Layers`: uncompressed digests). */
  layers: string[]
  /** A pushed image (src/ecr/pushed-images.ts): its manifest as the registry keeps it. */
  pushed?: { manifest: string, mediaType: string, artifactMediaType?: string, blobs: Map<string, { mediaType: string, size: number }> }
}

/** The part of dockerode this reads: listing images and inspecting one. */
export interface ImageSource {
  listImages (options: { filters: string }): Promise<Docker.ImageInfo[]>
  getImage (name: string): { inspect (): Promise<Docker.ImageInspectInfo> }
}

const CACHE_MS = 1000

interface Cached { at: number, images: Promise<RepositoryImage[]> }

export class LocalImages {
  readonly #cache = new Map<string, Cached>()
  /** Layers by image id: an id names one content, so they never change. */
  readonly #layers = new Map<string, string[]>()

  constructor (readonly docker: () => ImageSource, readonly log?: Logger,
    readonly now: () => number = Date.now) {}

  /** The images of the repository at `uri` (`HOST/REPO`); none when Docker does not answer. */
  async list (uri: string): Promise<RepositoryImage[]> {
    const now = this.now()
    const hit = this.#cache.get(uri)
    if (hit !== undefined && now - hit.at < CACHE_MS) return await hit.images

    for (const [key, entry] of this.#cache) {
      if (now - entry.at >= CACHE_MS) this.#cache.delete(key)
    }
    const images = this.#read(uri)
    this.#cache.set(uri, { at: now, images })
    return await images
  }

  async #read (uri: string): Promise<RepositoryImage[]> {
    let found: Docker.ImageInfo[]
    try {
      const filters = JSON.stringify({ reference: [uri] })
      found = await this.docker().listImages({ filters })
    } catch (e) {
      this.log?.debug({ err: (e as Error).message }, 'docker unavailable: repository has no images')
      return []
    }
    const images = await Promise.all(found.map(async info => await this.#image(uri, info)))
    return images.filter(i => i !== undefined).sort(byPushThenDigest)
  }

  async #image (uri: string, info: Docker.ImageInfo): Promise<RepositoryImage | undefined> {
    const imageTags = (info.RepoTags ?? [])
      .filter(t => t.startsWith(`${uri}:`)).map(t => t.slice(uri.length + 1)).sort()
    const digest = (info.RepoDigests ?? []).find(d => d.startsWith(`${uri}@`))
    if (imageTags.length === 0 && digest === undefined) return undefined

    const layers = await this.#layersOf(info.Id)
    if (layers === undefined) return undefined
    return {
      imageDigest: digest === undefined ? info.Id : digest.slice(uri.length + 1),
      imageTags,
      imageSizeInBytes: info.Size,
      imagePushedAt: info.Created,
      configDigest: info.Id,
      layers
    }
  }

  /** The image's layers, or undefined when it went away since it was listed. */
  async #layersOf (id: string): Promise<string[] | undefined> {
    const known = this.#layers.get(id)
    if (known !== undefined) return known
    try {
      const inspected = await this.docker().getImage(id).inspect()
      const layers = inspected.RootFS?.Layers ?? []
      this.#layers.set(id, layers)
      return layers
    } catch (e) {
      this.log?.debug({ image: id, err: (e as Error).message }, 'image not inspected')
      return undefined
    }
  }
}

const byPushThenDigest = (a: RepositoryImage, b: RepositoryImage): number =>
  a.imagePushedAt - b.imagePushedAt || a.imageDigest.localeCompare(b.imageDigest)

const readers = new WeakMap<object, LocalImages>()

/** The one reader of an emulator's Docker engine (made on first use). */
export function localImages (emulator: { docker: ImageSource, log: Logger }): LocalImages {
  let reader = readers.get(emulator)
  if (reader === undefined) {
    reader = new LocalImages(() => emulator.docker, emulator.log)
    readers.set(emulator, reader)
  }
  return reader
}
