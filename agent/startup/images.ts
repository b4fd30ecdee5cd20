/**
 * Pulling a container's image. For an ECR image (`ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO:TAG`)
 * the agent first gets a registry password with `ecr:GetAuthorizationToken` as the execution
 * role (or the instance role). An image pushed to the emulator's registry is then pulled from
 * it by Docker with that password (the registry authorizes `ecr:BatchGetImage` and
 * `ecr:GetDownloadUrlForLayer` as the role) and tagged with the task definition's name. The
 * registry's own names (`127.0.0.1:PORT/REPO:TAG`, the repositoryUri) are ECR images too. An
 * image the registry does not have but that is local under that name keeps the older shortcut:
 * the calls a pull makes are made against the ECR API (`ecr:BatchGetImage`,
 * `ecr:BatchCheckLayerAvailability`, `ecr:GetDownloadUrlForLayer`) and the local image runs. Any other image must be present
 * locally: no other registry is reachable. Failures read as AWS words them.
 */
import type Docker from 'dockerode'
import {
  BatchCheckLayerAvailabilityCommand, BatchGetImageCommand, GetAuthorizationTokenCommand,
  GetDownloadUrlForLayerCommand, type ECRClient
} from '@aws-sdk/client-ecr'
import type { Logger } from 'pino'
import { PullProgress, followProgress, megabytes } from '../docker-progress.js'
import type { ClientFactory, CredentialSource } from './clients.js'
import { FARGATE_RESOURCES, StartupFailure, isFargate, type LaunchType } from './failure.js'
import { callFailure, goV2, isCode, type CallFailure } from './sdk-errors.js'

export interface ImageContext {
  docker: Docker
  clients: ClientFactory
  /** What ECR calls sign with: the execution role's credentials, or the instance role's. */
  credentials: CredentialSource
  launchType: LaunchType | undefined
  /** The emulator's ECR registry (`127.0.0.1:PORT`), when it serves one. */
  registry?: () => Promise<string | undefined>
  /** Where a pull says it started, how far it is, and when it ended. */
  log?: Logger
  /** The task the image is pulled for (named on the pull's lines). */
  taskArn?: string
}

export interface ResolvedImage {
  /** `sha256:…`, Docker's image id. */
  imageId: string
  /** The repository digest when the image has one for this name, else the image id. */
  imageDigest: string
  /** The image's own environment (`Config.Env`), `NAME=value` each. */
  env: string[]
}

export interface EcrImage {
  registryId: string
  region: string
  /** `ACCOUNT.dkr.ecr.REGION.amazonaws.com`. */
  host: string
  repositoryName: string
  tag?: string
  digest?: string
}

const ECR_HOST = /^((\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?)\//
const NAME_TAG_DIGEST = /^([^:@]+)(?::([^@]+))?(?:@(sha256:[a-f0-9]{64}))?$/

export function parseEcrImage (image: string): EcrImage | undefined {
  const host = ECR_HOST.exec(image)
  const name = host === null ? null : NAME_TAG_DIGEST.exec(image.slice(host[0].length))
  if (host === null || name === null) return undefined
  const [, registry, registryId, region] = host
  return { host: registry, registryId, region, repositoryName: name[1], tag: name[2], digest: name[3] }
}

/** What ECS sent for the image (`registryAuthentication.ecrAuthData`), when it is an ECR one. */
export interface EcrAuthData { registryId?: string, region?: string }

export async function resolveImage (image: string, ctx: ImageContext,
  ecrAuthData?: EcrAuthData): Promise<ResolvedImage> {
  const registry = await ctx.registry?.()
  const ecr = parseEcrImage(image) ?? registryImage(image, registry, ecrAuthData)
  if (ecr === undefined) {
    const local = await inspectImage(ctx.docker, image)
    if (local === undefined) throw new StartupFailure(missingImage(image, ctx.launchType))
    return resolved(local, image)
  }
  const client = ctx.clients.ecr(ecr.region, ctx.credentials)
  try {
    const password = await authorize(client, ecr, ctx.launchType)
    const local = await inspectImage(ctx.docker, image)
    if (registry !== undefined) {
      const pulled = await pullFrom(registry, password, image, ecr, ctx, local !== undefined)
      if (pulled !== undefined) return pulled
    }
    // Not in the registry, but local under the repository's name: the older shortcut.
    await fetchManifest(client, ecr, ctx.launchType)
    if (local === undefined) throw new StartupFailure(missingEcrImage(ecr, ctx.launchType))
    await fetchLayers(client, ecr, local.RootFS?.Layers ?? [], ctx.launchType)
    return resolved(local, image)
  } finally {
    client.destroy()
  }
}

/**
 * An image named by the emulator's registry (`127.0.0.1:PORT/REPO:TAG`, the repositoryUri the
 * ECR API gives): its account and region are those ECS sent with it, the task's own.
 */
function registryImage (image: string, registry: string | undefined,
  auth: EcrAuthData | undefined): EcrImage | undefined {
  if (registry === undefined || !image.startsWith(`${registry}/`)) return undefined
  if (auth?.registryId === undefined || auth.region === undefined) return undefined
  const name = NAME_TAG_DIGEST.exec(image.slice(registry.length + 1))
  if (name === null) return undefined
  return {
    host: registry, registryId: auth.registryId, region: auth.region,
    repositoryName: name[1], tag: name[2], digest: name[3]
  }
}

/**
 * Docker pulls the image from the emulator's registry with the role's password, as it pulls
 * from ECR; the image then carries the name the task definition gives it. Docker's refusal is
 * told in the words it uses for the image's host. Undefined when the registry has no such
 * image or repository and a local image may stand for it (`hasLocal`).
 */
async function pullFrom (registry: string, password: string, image: string, ecr: EcrImage,
  ctx: ImageContext, hasLocal: boolean): Promise<ResolvedImage | undefined> {
  const ref = ecr.digest !== undefined ? `@${ecr.digest}` : `:${ecr.tag ?? 'latest'}`
  const source = `${registry}/${ecr.repositoryName}${ref}`
  try {
    await pullLogged(ctx, image, async () =>
      await ctx.docker.pull(source, { authconfig: { username: 'AWS', password, serveraddress: registry } }))
  } catch (e) {
    const message = daemonText(e).replaceAll(`${registry}/`, `${ecr.host}/`)
    if (hasLocal && /manifest unknown|name unknown/.test(message)) return undefined
    throw new StartupFailure(pullRefused(message, ecr, ctx.launchType))
  }
  const pulled = ctx.docker.getImage(source)
  if (ecr.digest === undefined && ecr.host !== registry) {
    await pulled.tag({ repo: `${ecr.host}/${ecr.repositoryName}`, tag: ecr.tag ?? 'latest' })
  }
  const local = await inspectImage(ctx.docker, ecr.digest === undefined ? image : source)
  if (local === undefined) throw new StartupFailure(missingEcrImage(ecr, ctx.launchType))
  return resolved(local, image)
}

const PROGRESS_EVERY_MS = 2000

/**
 * A pull followed to its end, told on the task's log: a line when it starts, the bytes
 * downloaded at most every 2 s while they move, and one when it ends (or fails), with how long
 * it took. A pull of a large image is the longest wait of a task's start-up.
 */
async function pullLogged (ctx: ImageContext, image: string,
  start: () => Promise<NodeJS.ReadableStream>): Promise<void> {
  const log = ctx.log?.child({ taskArn: ctx.taskArn, image })
  const began = Date.now()
  const progress = new PullProgress(PROGRESS_EVERY_MS)
  log?.info('image pull started')
  try {
    await followProgress(ctx.docker, await start(), event => {
      const moved = progress.add(event)
      if (moved !== undefined) log?.info({ ...moved }, `pulling ${image}: ${megabytes(moved)}`)
    })
  } catch (e) {
    log?.info({ durationMs: Date.now() - began, error: daemonText(e) }, 'image pull failed')
    throw e
  }
  log?.info({ durationMs: Date.now() - began, ...progress.totals() }, 'image pulled')
}

/** The daemon's message, from an HTTP error (dockerode's `json.message`) or a progress error. */
function daemonText (e: unknown): string {
  const err = e as { json?: { message?: string }, message?: string }
  return String(err.json?.message ?? err.message ?? e).replace(/^\(HTTP code \d+\) [a-z ]+ - /, '').trim()
}

type ImageInfo = Docker.ImageInspectInfo

async function inspectImage (docker: Docker, image: string): Promise<ImageInfo | undefined> {
  try {
    return await docker.getImage(image).inspect()
  } catch (e) {
    if ((e as { statusCode?: number }).statusCode === 404) return undefined
    throw e
  }
}

function resolved (info: ImageInfo, image: string): ResolvedImage {
  const repository = repositoryOf(image)
  const digest = (info.RepoDigests ?? []).find(d => d.startsWith(`${repository}@`))
  return {
    imageId: info.Id,
    imageDigest: digest === undefined ? info.Id : digest.slice(repository.length + 1),
    env: info.Config?.Env ?? []
  }
}

/** The name without its tag or digest. */
function repositoryOf (image: string): string {
  const noDigest = image.split('@')[0]
  const slash = noDigest.lastIndexOf('/')
  const colon = noDigest.lastIndexOf(':')
  return colon > slash ? noDigest.slice(0, colon) : noDigest
}

// --- ECR calls --------------------------------------------------------------------------------

/** The registry password GetAuthorizationToken hands out (after `AWS:`). */
async function authorize (client: ECRClient, ecr: EcrImage,
  launchType: LaunchType | undefined): Promise<string> {
  try {
    const out = await client.send(new GetAuthorizationTokenCommand({ registryIds: [ecr.registryId] }))
    const token = out.authorizationData?.[0]?.authorizationToken ?? ''
    return Buffer.from(token, 'base64').toString('utf8').replace(/^AWS:/, '')
  } catch (e) {
    const f = callFailure(e, 'ECR', 'GetAuthorizationToken')
    throw new StartupFailure(isFargate(launchType)
      ? `${FARGATE_RESOURCES}unable to retrieve ecr registry auth: service call has been retried 1 time(s): ${goV2(f)}`
      : `CannotPullECRContainerError: ${goV2(f)}`)
  }
}

async function fetchManifest (client: ECRClient, ecr: EcrImage,
  launchType: LaunchType | undefined): Promise<void> {
  const imageId = ecr.digest !== undefined
    ? { imageDigest: ecr.digest }
    : { imageTag: ecr.tag ?? 'latest' }
  try {
    // The emulator's registry stores no manifests: only the authorization of this call counts.
    await client.send(new BatchGetImageCommand({
      registryId: ecr.registryId, repositoryName: ecr.repositoryName, imageIds: [imageId]
    }))
  } catch (e) {
    const f = callFailure(e, 'ECR', 'BatchGetImage')
    if (isCode(f, 'AccessDeniedException')) {
      throw new StartupFailure(manifestDenied(f, ecr, launchType))
    }
    if (isCode(f, 'RepositoryNotFoundException')) {
      throw new StartupFailure(repositoryMissing(f, ecr, launchType))
    }
    throw new StartupFailure(`CannotPullContainerError: Error response from daemon: ${goV2(f)}`)
  }
}

/**
 * Docker's pull checks each layer and asks for its download URL. The emulator's registry has
 * no layers: only a refusal of the call counts (an unknown operation or a missing layer is
 * what it answers otherwise).
 */
async function fetchLayers (client: ECRClient, ecr: EcrImage, layers: string[],
  launchType: LaunchType | undefined): Promise<void> {
  if (layers.length === 0) return
  const ref = { registryId: ecr.registryId, repositoryName: ecr.repositoryName }
  const denied = (e: unknown, operation: string, layer: string): void => {
    const f = callFailure(e, 'ECR', operation)
    if (isCode(f, 'AccessDeniedException')) {
      throw new StartupFailure(layerDenied(f, ecr, layer, launchType))
    }
  }
  try {
    await client.send(new BatchCheckLayerAvailabilityCommand({ ...ref, layerDigests: layers }))
  } catch (e) {
    denied(e, 'BatchCheckLayerAvailability', layers[0])
  }
  for (const layer of layers) {
    try {
      await client.send(new GetDownloadUrlForLayerCommand({ ...ref, layerDigest: layer }))
    } catch (e) {
      denied(e, 'GetDownloadUrlForLayer', layer)
    }
  }
}

// --- texts ------------------------------------------------------------------------------------

const FARGATE_MANIFEST = 'CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref'

function reference (ecr: EcrImage): string {
  return `${ecr.host}/${ecr.repositoryName}${ecr.digest !== undefined ? `@${ecr.digest}` : `:${ecr.tag ?? 'latest'}`}`
}

/** The agent's augmentation of Docker's refusal (agent/api/errormessages). */
function manifestDenied (f: CallFailure, ecr: EcrImage,
  launchType: LaunchType | undefined): string {
  if (isFargate(launchType)) {
    // (unconfirmed) Fargate's wording for exactly this permission.
    return `${FARGATE_MANIFEST} ${reference(ecr)}: pulling from host ${ecr.host} failed with status code [manifests ${ecr.digest ?? ecr.tag ?? 'latest'}]: 403 Forbidden`
  }
  return `CannotPullContainerError: The task can’t pull the image. Check that the role has the permissions to pull images from the registry. Error response from daemon: pull access denied for ${ecr.host}/${ecr.repositoryName}, repository does not exist or may require 'docker login': denied: ${f.message}`
}

/**
 * What the agent reports when Docker's pull from the registry fails: the permissions prefix for
 * a refused manifest (the agent adds it only when Docker's error names ecr:BatchGetImage), the
 * daemon's words otherwise. (unconfirmed) Fargate's wording for a refused layer.
 */
function pullRefused (message: string, ecr: EcrImage, launchType: LaunchType | undefined): string {
  const denied = /denied: (User: .*)$/s.exec(message)?.[1]
  if (denied !== undefined && denied.includes('ecr:BatchGetImage')) {
    return manifestDenied({ message: denied } as CallFailure, ecr, launchType)
  }
  if (denied !== undefined && denied.includes('ecr:GetDownloadUrlForLayer')) {
    return isFargate(launchType)
      ? `CannotPullContainerError: ref pull has been retried 1 time(s): failed to copy: httpReaderSeeker: failed open: unexpected status code https://${ecr.host}/v2/${ecr.repositoryName}/blobs: 403 Forbidden`
      : `CannotPullContainerError: Error response from daemon: ${message}`
  }
  if (/manifest unknown/.test(message)) return missingEcrImage(ecr, launchType)
  if (isFargate(launchType)) return `${FARGATE_MANIFEST} ${reference(ecr)}: ${message}`
  return `CannotPullContainerError: Error response from daemon: ${message}`
}

/** (unconfirmed) Docker's rendering of ECR's registry answer for a missing repository. */
function repositoryMissing (f: CallFailure, ecr: EcrImage,
  launchType: LaunchType | undefined): string {
  if (isFargate(launchType)) return `${FARGATE_MANIFEST} ${reference(ecr)}: ${reference(ecr)}: not found`
  return `CannotPullContainerError: Error response from daemon: repository ${ecr.host}/${ecr.repositoryName} not found: name unknown: ${f.message}`
}

function missingEcrImage (ecr: EcrImage, launchType: LaunchType | undefined): string {
  if (isFargate(launchType)) return `${FARGATE_MANIFEST} ${reference(ecr)}: ${reference(ecr)}: not found`
  return `CannotPullContainerError: Error response from daemon: manifest for ${reference(ecr)} not found: manifest unknown: Requested image not found`
}

/** (unconfirmed) exact Docker/containerd wrapping of a refused layer download. */
function layerDenied (f: CallFailure, ecr: EcrImage, layer: string,
  launchType: LaunchType | undefined): string {
  if (isFargate(launchType)) {
    return `CannotPullContainerError: ref pull has been retried 1 time(s): failed to copy: httpReaderSeeker: failed open: unexpected status code https://${ecr.host}/v2/${ecr.repositoryName}/blobs/${layer}: 403 Forbidden`
  }
  return `CannotPullContainerError: Error response from daemon: denied: ${f.message}`
}

/** An image that is neither local nor pullable: Docker Hub's answer for an absent repository. */
function missingImage (image: string, launchType: LaunchType | undefined): string {
  if (isFargate(launchType)) {
    // (unconfirmed) the containerd wording Fargate shows for a repository that does not exist.
    return `${FARGATE_MANIFEST} ${normalized(image)}: pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed`
  }
  return `CannotPullContainerError: The task can’t pull the image. Check whether the image exists. Error response from daemon: pull access denied for ${familiar(image)}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied`
}

const hasRegistry = (first: string): boolean =>
  first.includes('.') || first.includes(':') || first === 'localhost'

/** Docker's short form of a name: `busybox`, `org/app` (no `docker.io/library/`, no tag). */
function familiar (image: string): string {
  const repository = repositoryOf(image)
  return repository.replace(/^docker\.io\//, '').replace(/^library\//, '')
}

/** `docker.io/library/NAME:TAG`, as containerd resolves a short name. */
function normalized (image: string): string {
  const repository = repositoryOf(image)
  const rest = image.slice(repository.length)
  const first = repository.split('/')[0]
  const full = hasRegistry(first) && repository.includes('/')
    ? repository
    : `docker.io/${repository.includes('/') ? '' : 'library/'}${repository}`
  return `${full}${rest === '' ? ':latest' : rest}`
}
