/**
 * ECR's registry on the wire: the Docker Registry HTTP API v2 on its own `node:http` listener
 * (127.0.0.1, where Docker speaks plain HTTP without configuration), so that blobs stream to
 * and from disk and never meet the AWS endpoint's body parser. Every request carries HTTP
 * Basic `AWS:<password>`; the password names the key GetAuthorizationToken was signed with, and
 * each request is authorized as that key's principal exactly as the ECR API authorizes its own
 * image calls. The rules are in src/ecr/registry.ts.
 */
import { randomUUID } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { AwsError } from '../errors.js'
import { operationContext } from '../pipeline.js'
import type { OperationContext } from '../registry.js'
import { authorizeOn, ecr } from '../ecr/index.js'
import type { Emulator } from '../../src/emulator.js'
import type { Caller } from '../../src/iam/identity.js'
import { repositoryArn, type RepositoryRecord } from '../../src/ecr/repository.js'
import {
  actionOf, assertTagMovable, blobRange, challenge, isDigest, isTag, parseManifest, rangeStart, registryErrors,
  route, uploadRange, RegistryError, NOT_AUTHORIZED, type Route
} from '../../src/ecr/registry.js'
import { applyDeletes, planDeletes } from '../../src/ecr/delete-images.js'
import { pushedImages } from '../../src/ecr/pushed-images.js'
import {
  BlobFiles, RegistryStore, type RegistryTokenRecord, type RepositoryKey, type UploadRecord
} from '../../store/ecr-registry.js'

/**
 * How long an upload that was never completed is kept: (unconfirmed) what ECR does; a week is
 * the Docker registry's default (`uploadpurging`, 168h).
 */
const UPLOAD_MAX_AGE_S = 7 * 86_400

/** ECR's limit on a manifest's size. (unconfirmed) 4 MiB, as in distribution. */
const MAX_MANIFEST = 4 * 1024 * 1024

/** An authenticated request: its operation context and the registry the token is for. */
interface Call {
  req: IncomingMessage
  res: ServerResponse
  url: URL
  ctx: OperationContext
  token: RegistryTokenRecord
}

class Unauthorized extends Error {}

export class RegistryServer {
  readonly store: RegistryStore
  readonly blobs: BlobFiles
  readonly #server: Server
  readonly #ready: Promise<number | undefined>
  #port: number | undefined

  constructor (private readonly emulator: Emulator, port: number) {
    this.store = new RegistryStore(emulator.db)
    this.blobs = new BlobFiles(emulator.config.dataDir)
    this.purgeUploads()
    this.#server = createServer((req, res) => { void this.#serve(req, res) })
    this.#server.keepAliveTimeout = 65_000
    this.#ready = new Promise(resolve => {
      this.#server.once('error', (e) => {
        emulator.log.error({ err: { message: e.message }, port }, 'the ECR registry cannot listen')
        resolve(undefined)
      })
      // On the wildcard when the API is (the emulator in a container, its port published on
      // the Docker host's 127.0.0.1): the host every repositoryUri names stays 127.0.0.1.
      const wildcard = ['0.0.0.0', '::'].includes(emulator.config.host)
      this.#server.listen(port, wildcard ? emulator.config.host : '127.0.0.1', () => {
        this.#port = (this.#server.address() as AddressInfo).port
        emulator.log.info({ registry: this.url }, 'ECR registry listening')
        resolve(this.#port)
      })
    })
  }

  /** The port once listening (undefined before, or when it could not listen). */
  get port (): number | undefined { return this.#port }

  /** Resolves with the port once listening (undefined when it could not). */
  async ready (): Promise<number | undefined> { return await this.#ready }

  get url (): string { return `http://${this.host}` }

  /** `127.0.0.1:PORT`: the host every repositoryUri names, and Docker's key for its login. */
  get host (): string { return `127.0.0.1:${this.#port ?? 0}` }

  /**
   * Removes the uploads older than UPLOAD_MAX_AGE_S, and the files of uploads the database does
   * not know (left by a data directory made before uploads were kept in it).
   */
  purgeUploads (now = Date.now()): void {
    for (const id of this.store.expireUploads(Math.floor(now / 1000) - UPLOAD_MAX_AGE_S)) this.blobs.abort(id)
    const known = this.store.uploadIds()
    for (const id of this.blobs.uploadIds()) if (!known.has(id)) this.blobs.abort(id)
  }

  /** Every blob and upload (after a reset; the tables are wiped with the others). */
  clear (): void {
    this.blobs.clear()
  }

  close (): void {
    this.#server.close()
    this.#server.closeAllConnections()
    this.blobs.close()
  }

  async #serve (req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0')
    try {
      const url = new URL(req.url ?? '/', this.url)
      const call = this.#authenticate(req, res, url)
      await this.#route(call)
    } catch (e) {
      if (e instanceof Unauthorized) return this.#unauthorized(req, res)
      if (e instanceof RegistryError) return this.#error(req, res, e)
      this.emulator.log.error({ err: { message: (e as Error)?.message }, url: req.url }, 'ECR registry failure')
      this.#error(req, res, new RegistryError(500, 'UNKNOWN', 'unknown error'))
    }
  }

  // --- authentication -------------------------------------------------------------------------

  #authenticate (req: IncomingMessage, res: ServerResponse, url: URL): Call {
    const password = basicPassword(req.headers.authorization)
    if (password === undefined) throw new Unauthorized()
    const token = this.store.token(password)
    if (token === undefined) throw new Unauthorized()
    const now = new Date()
    if (token.expiresAt <= now.getTime() / 1000) throw registryErrors.expired()
    const caller = this.#caller(token, now)
    const ctx = operationContext(this.emulator, caller, ecr, {
      operation: 'Registry',
      region: token.region,
      requestId: randomUUID(),
      now,
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      endpoint: this.url,
      credentials: token.accessKeyId === undefined
        ? undefined
        : { accessKeyId: token.accessKeyId, sessionToken: token.sessionToken }
    })
    return { req, res, url, ctx, token }
  }

  /** The principal the token's key is now (its session's policies included). */
  #caller (token: RegistryTokenRecord, now: Date): Caller {
    const open = this.emulator.config.auth === 'open'
    if (token.accessKeyId === undefined) {
      if (open) return this.emulator.identity.openCaller()
      throw new Unauthorized()
    }
    const resolved = this.emulator.identity.resolve(token.accessKeyId, token.sessionToken, now)
    if (resolved.ok) return resolved.caller
    if (resolved.reason === 'unknown-key' && open) return this.emulator.identity.openCaller()
    // (unconfirmed) a token whose session has expired (or whose key is gone) reads as expired.
    throw registryErrors.expired()
  }

  // --- routing --------------------------------------------------------------------------------

  async #route (call: Call): Promise<void> {
    const r = route(call.url.pathname)
    const method = call.req.method ?? 'GET'
    if (r === undefined) throw registryErrors.notFound()
    if (r.kind === 'ping') return json(call, 200, {})
    if (r.kind === 'catalog') return this.#catalog(call)
    const action = actionOf(r, method)
    if (action === undefined) throw registryErrors.unsupported()
    const repository = this.#authorize(call, action, r.name)
    const key = { account: repository.account, region: repository.region, repository: r.name }
    switch (r.kind) {
      case 'tags': return json(call, 200, { name: r.name, tags: this.store.tags(key) })
      case 'manifest': return method === 'PUT'
        ? await this.#putManifest(call, repository, key, r.reference)
        : method === 'DELETE' ? this.#deleteManifest(call, key, r.reference)
          : this.#getManifest(call, key, r.reference)
      case 'blob': return this.#getBlob(call, key, r.digest)
      case 'uploads': return await this.#startUpload(call, key)
      case 'upload': return await this.#upload(call, key, r)
    }
  }

  /** Authorizes `action` on the repository as the ECR API does; NAME_UNKNOWN after the check. */
  #authorize (call: Call, action: string, name: string): RepositoryRecord {
    try {
      return authorizeOn(call.ctx, action, { registryId: call.token.account, repositoryName: name })
    } catch (e) {
      if (!(e instanceof AwsError)) throw e
      if (e.code === 'RepositoryNotFoundException') throw registryErrors.nameUnknown(name, call.token.account)
      throw registryErrors.denied(e.message, e.decisionId)
    }
  }

  #catalog (call: Call): void {
    try {
      // (unconfirmed) as DescribeRepositories without names: on the registry's wildcard ARN (an
      // older ECR answer quoted `on resource: *`).
      const every = repositoryArn(call.token.account, call.token.region, '*')
      call.ctx.authorize({ action: 'ecr:DescribeRepositories', resource: every })
    } catch (e) {
      if (e instanceof AwsError) throw registryErrors.denied(e.message, e.decisionId)
      throw e
    }
    const names = this.emulator.repositories.list(call.token.account, call.token.region)
      .map(r => r.repositoryName).sort()
    const last = call.url.searchParams.get('last')
    const n = Number(call.url.searchParams.get('n') ?? 1000)
    const after = last === null ? names : names.filter(name => name > last)
    json(call, 200, { repositories: after.slice(0, n > 0 ? n : 1000) })
  }

  // --- manifests ------------------------------------------------------------------------------

  #getManifest (call: Call, key: RepositoryKey, reference: string): void {
    const digest = isDigest(reference) ? reference : this.store.tagged(key, reference)
    const manifest = digest === undefined ? undefined : this.store.manifest(key, digest)
    if (manifest === undefined) throw registryErrors.manifestUnknown()
    call.res.writeHead(200, {
      'Content-Type': manifest.mediaType,
      'Content-Length': manifest.bytes.length,
      'Docker-Content-Digest': manifest.digest,
      ETag: `"${manifest.digest}"`
    })
    call.res.end(call.req.method === 'HEAD' ? undefined : manifest.bytes)
  }

  /**
   * DELETE of a manifest, which ECR has served since 2021 (containers-roadmap #1229) as
   * BatchDeleteImage of one id: a digest removes the image with its tags, a tag only the tag
   * (and the image with its last one). 202 with no body, as the distribution spec answers.
   */
  #deleteManifest (call: Call, key: RepositoryKey, reference: string): void {
    const imageId = isDigest(reference) ? { imageDigest: reference } : { imageTag: reference }
    const planned = planDeletes(pushedImages(this.store, key), [imageId])
    const refused = planned.failures[0]
    if (refused !== undefined) {
      throw refused.failureCode === 'ImageNotFound' ? registryErrors.manifestUnknown()
        : registryErrors.deleteRefused(refused.failureReason)
    }
    this.emulator.db.transaction(() => { applyDeletes(this.store, key, planned.deletions) })()
    call.res.writeHead(202, { 'Content-Length': 0 })
    call.res.end()
  }

  async #putManifest (call: Call, repository: RepositoryRecord, key: RepositoryKey,
    reference: string): Promise<void> {
    const bytes = await readBody(call.req, MAX_MANIFEST)
    const parsed = parseManifest(bytes, call.req.headers['content-type'])
    for (const blob of parsed.blobs) {
      if (this.store.blobSize(key, blob) === undefined) throw registryErrors.manifestBlobUnknown(blob)
    }
    for (const m of parsed.manifests) {
      if (this.store.manifest(key, m) === undefined) throw registryErrors.manifestBlobUnknown(m)
    }
    let tag: string | undefined
    if (isDigest(reference)) {
      if (reference !== parsed.digest) throw registryErrors.digestInvalid()
    } else {
      if (!isTag(reference)) throw registryErrors.tagInvalid(reference)
      assertTagMovable(repository, reference, this.store.tagged(key, reference), parsed.digest)
      tag = reference
    }
    const pushedAt = Math.floor(call.ctx.now.getTime() / 1000)
    this.store.putManifest(key, { digest: parsed.digest, mediaType: parsed.mediaType, bytes, pushedAt }, tag)
    created(call, `/v2/${key.repository}/manifests/${parsed.digest}`, parsed.digest)
  }

  // --- blobs ----------------------------------------------------------------------------------

  #getBlob (call: Call, key: RepositoryKey, digest: string): void {
    const size = this.store.blobSize(key, digest)
    const path = size === undefined ? undefined : this.blobs.blobPath(digest)
    if (path === undefined || size === undefined) throw registryErrors.blobUnknown()
    const headers = { 'Docker-Content-Digest': digest, ETag: `"${digest}"`, 'Accept-Ranges': 'bytes' }
    // A pull that broke off asks for the rest (Docker and containerd resume with Range).
    const range = call.req.method === 'HEAD' ? undefined : blobRange(call.req.headers.range, size)
    if (range === 'unsatisfiable') {
      return void call.res.writeHead(416, { ...headers, 'Content-Range': `bytes */${size}` }).end()
    }
    const { start, end } = range ?? { start: 0, end: size - 1 }
    call.res.writeHead(range === undefined ? 200 : 206, {
      ...headers,
      'Content-Type': 'application/octet-stream',
      'Content-Length': end - start + 1,
      ...(range === undefined ? {} : { 'Content-Range': `bytes ${start}-${end}/${size}` })
    })
    if (call.req.method === 'HEAD' || size === 0) return void call.res.end()
    createReadStream(path, { start, end }).on('error', () => call.res.destroy()).pipe(call.res)
  }

  /** POST: a cross-repository mount, a monolithic upload (`?digest=`), or a new upload. */
  async #startUpload (call: Call, key: RepositoryKey): Promise<void> {
    const mount = call.url.searchParams.get('mount')
    const from = call.url.searchParams.get('from')
    if (mount !== null && from !== null && this.#mount(call, key, mount, from)) {
      return created(call, `/v2/${key.repository}/blobs/${mount}`, mount)
    }
    const upload = { ...key, id: this.blobs.newUpload() }
    this.store.addUpload(upload)
    const digest = call.url.searchParams.get('digest')
    if (digest !== null) {
      // (unconfirmed) a single-request upload is also authorized as UploadLayerPart and
      // CompleteLayerUpload.
      this.#authorize(call, 'ecr:UploadLayerPart', key.repository)
      this.#authorize(call, 'ecr:CompleteLayerUpload', key.repository)
      return await this.#complete(call, upload, digest)
    }
    accepted(call, upload, 0)
  }

  /**
   * Whether the blob is mounted from `from`: it is there and the caller may read it there
   * (ecr:GetDownloadUrlForLayer). (unconfirmed) whether ECR mounts at all; a refusal is the
   * spec's 202, a plain upload.
   */
  #mount (call: Call, key: RepositoryKey, digest: string, from: string): boolean {
    const source = { ...key, repository: from }
    if (!isDigest(digest) || this.store.blobSize(source, digest) === undefined) return false
    if (this.blobs.blobPath(digest) === undefined) return false
    try { this.#authorize(call, 'ecr:GetDownloadUrlForLayer', from) } catch { return false }
    this.store.addBlob(key, digest, this.store.blobSize(source, digest) as number)
    return true
  }

  /** PATCH appends a chunk, PUT completes, GET tells the progress, DELETE cancels. */
  async #upload (call: Call, key: RepositoryKey, r: Route & { kind: 'upload' }): Promise<void> {
    const upload = this.store.upload(r.id)
    const size = this.blobs.uploadSize(r.id)
    if (upload === undefined || upload.repository !== key.repository || size === undefined) {
      throw registryErrors.uploadUnknown()
    }
    switch (call.req.method) {
      case 'GET': return accepted(call, upload, size, 204)
      case 'DELETE': {
        this.#forget(upload)
        call.res.writeHead(204).end()
        return
      }
      case 'PATCH': {
        const start = rangeStart(call.req.headers['content-range'])
        if (start !== undefined && start !== size) throw registryErrors.rangeInvalid()
        return accepted(call, upload, await this.blobs.append(upload.id, call.req))
      }
      default: {
        const digest = call.url.searchParams.get('digest')
        return await this.#complete(call, upload, digest ?? '')
      }
    }
  }

  /** The last bytes (the request body) and the check of the digest: the blob counts from here. */
  async #complete (call: Call, upload: UploadRecord, digest: string): Promise<void> {
    if (!isDigest(digest)) throw registryErrors.digestInvalid()
    await this.blobs.append(upload.id, call.req)
    const size = await this.blobs.commit(upload.id, digest)
    if (size === undefined) {
      this.#forget(upload)
      throw registryErrors.digestInvalid()
    }
    this.store.removeUpload(upload.id)
    this.store.addBlob(upload, digest, size)
    created(call, `/v2/${upload.repository}/blobs/${digest}`, digest)
  }

  #forget (upload: UploadRecord): void {
    this.store.removeUpload(upload.id)
    this.blobs.abort(upload.id)
  }

  // --- answers --------------------------------------------------------------------------------

  #unauthorized (req: IncomingMessage, res: ServerResponse): void {
    req.resume()
    res.writeHead(401, {
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Length': Buffer.byteLength(NOT_AUTHORIZED),
      'WWW-Authenticate': challenge(this.url)
    })
    res.end(req.method === 'HEAD' ? undefined : NOT_AUTHORIZED)
  }

  #error (req: IncomingMessage, res: ServerResponse, e: RegistryError): void {
    req.resume()
    if (res.headersSent) return void res.destroy()
    const body = JSON.stringify({ errors: [{ code: e.code, message: e.message }] })
    res.writeHead(e.status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(body)
    })
    res.end(req.method === 'HEAD' ? undefined : body)
  }
}

/** The password of `Authorization: Basic base64(AWS:PASSWORD)`. */
function basicPassword (header: string | undefined): string | undefined {
  const m = /^Basic\s+(\S+)$/i.exec(header ?? '')
  if (m === null) return undefined
  const text = Buffer.from(m[1], 'base64').toString('utf8')
  const colon = text.indexOf(':')
  if (colon < 0 || text.slice(0, colon) !== 'AWS') return undefined
  return text.slice(colon + 1)
}

function json (call: Call, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  call.res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text)
  })
  call.res.end(call.req.method === 'HEAD' ? undefined : text)
}

function created (call: Call, location: string, digest: string): void {
  call.res.writeHead(201, { Location: location, 'Docker-Content-Digest': digest, 'Content-Length': 0 })
  call.res.end()
}

/** An upload in progress: where to send the next bytes, and how many have come. */
function accepted (call: Call, upload: UploadRecord, size: number, status = 202): void {
  call.res.writeHead(status, {
    Location: `/v2/${upload.repository}/blobs/uploads/${upload.id}`,
    'Docker-Upload-UUID': upload.id,
    Range: uploadRange(size),
    'Content-Length': 0
  })
  call.res.end()
}

async function readBody (req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > limit) throw registryErrors.manifestInvalid(`the manifest is larger than ${limit} bytes`)
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}
