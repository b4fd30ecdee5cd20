/**
 * What ECR's registry keeps: each repository's manifests (the pushed bytes, by digest), its tags,
 * which blobs it holds, and the key each registry password was issued to. The blob bytes are
 * files on disk by digest (BlobFiles), written while they stream in and kept only once their
 * digest checks.
 */
import { createHash, randomUUID } from 'node:crypto'
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Db, Schema } from './db.js'

export const ecrRegistrySchema: Schema = {
  name: 'ecr-registry',
  sql: `CREATE TABLE ecr_registry_tokens_v1 (
    token TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    access_key_id TEXT,
    session_token TEXT,
    expires_at INTEGER NOT NULL
  );
  CREATE TABLE ecr_registry_blobs_v1 (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    repository TEXT NOT NULL,
    digest TEXT NOT NULL,
    size INTEGER NOT NULL,
    PRIMARY KEY (account, region, repository, digest)
  );
  CREATE TABLE ecr_registry_manifests_v1 (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    repository TEXT NOT NULL,
    digest TEXT NOT NULL,
    media_type TEXT NOT NULL,
    bytes BLOB NOT NULL,
    pushed_at INTEGER NOT NULL,
    PRIMARY KEY (account, region, repository, digest)
  );
  CREATE TABLE ecr_registry_tags_v1 (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    repository TEXT NOT NULL,
    tag TEXT NOT NULL,
    digest TEXT NOT NULL,
    PRIMARY KEY (account, region, repository, tag)
  );`
}

/**
 * The uploads in progress, by id, with the repository each was started for: in the database, so
 * that an upload outlives a restart as its bytes on disk do. (A later schema than the tables
 * above, so that a data directory made before it gains the table.)
 */
export const ecrRegistryUploadsSchema: Schema = {
  name: 'ecr-registry-uploads',
  sql: `CREATE TABLE ecr_registry_uploads_v1 (
    id TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    repository TEXT NOT NULL,
    started_at INTEGER NOT NULL
  );`
}

/** A registry password and the key (and session) GetAuthorizationToken was signed with. */
export interface RegistryTokenRecord {
  token: string
  account: string
  region: string
  /** Absent for an unsigned call under `--auth open`. */
  accessKeyId?: string
  sessionToken?: string
  /** Epoch seconds. */
  expiresAt: number
}

/** One repository of one registry. */
export interface RepositoryKey { account: string, region: string, repository: string }

/** An upload in progress, started for one repository. */
export interface UploadRecord extends RepositoryKey { id: string }

export interface StoredManifest {
  digest: string
  mediaType: string
  bytes: Buffer
  /** Epoch seconds. */
  pushedAt: number
}

export class RegistryStore {
  readonly #addToken
  readonly #getToken
  readonly #purgeTokens
  readonly #addBlob
  readonly #getBlob
  readonly #putManifest
  readonly #getManifest
  readonly #putTag
  readonly #getTag
  readonly #tags
  readonly #repositories
  readonly #untag
  readonly #untagDigest
  readonly #removeManifest
  readonly #addUpload
  readonly #getUpload
  readonly #removeUpload
  readonly #expireUploads
  readonly #uploadIds

  constructor (readonly db: Db) {
    this.#addToken = db.prepare(`INSERT INTO ecr_registry_tokens_v1
      (token, account, region, access_key_id, session_token, expires_at)
      VALUES (@token, @account, @region, @accessKeyId, @sessionToken, @expiresAt)`)
    this.#getToken = db.prepare(`SELECT token, account, region, access_key_id AS accessKeyId,
      session_token AS sessionToken, expires_at AS expiresAt FROM ecr_registry_tokens_v1
      WHERE token = ?`)
    // Kept a day past expiry, so that an expired password is told apart from a wrong one.
    this.#purgeTokens = db.prepare('DELETE FROM ecr_registry_tokens_v1 WHERE expires_at <= ?')
    this.#addBlob = db.prepare(`INSERT OR IGNORE INTO ecr_registry_blobs_v1
      (account, region, repository, digest, size) VALUES (?, ?, ?, ?, ?)`)
    this.#getBlob = db.prepare(`SELECT size FROM ecr_registry_blobs_v1
      WHERE account = ? AND region = ? AND repository = ? AND digest = ?`).pluck()
    this.#putManifest = db.prepare(`INSERT OR IGNORE INTO ecr_registry_manifests_v1
      (account, region, repository, digest, media_type, bytes, pushed_at) VALUES (?, ?, ?, ?, ?, ?, ?)`)
    this.#getManifest = db.prepare(`SELECT digest, media_type AS mediaType, bytes,
      pushed_at AS pushedAt FROM ecr_registry_manifests_v1
      WHERE account = ? AND region = ? AND repository = ? AND digest = ?`)
    this.#putTag = db.prepare(`INSERT OR REPLACE INTO ecr_registry_tags_v1
      (account, region, repository, tag, digest) VALUES (?, ?, ?, ?, ?)`)
    this.#getTag = db.prepare(`SELECT digest FROM ecr_registry_tags_v1
      WHERE account = ? AND region = ? AND repository = ? AND tag = ?`).pluck()
    this.#tags = db.prepare(`SELECT tag FROM ecr_registry_tags_v1
      WHERE account = ? AND region = ? AND repository = ? ORDER BY tag`).pluck()
    this.#repositories = db.prepare(`SELECT DISTINCT repository FROM ecr_registry_manifests_v1
      WHERE account = ? AND region = ? ORDER BY repository`).pluck()
    this.#untag = db.prepare(`DELETE FROM ecr_registry_tags_v1
      WHERE account = ? AND region = ? AND repository = ? AND tag = ?`)
    this.#untagDigest = db.prepare(`DELETE FROM ecr_registry_tags_v1
      WHERE account = ? AND region = ? AND repository = ? AND digest = ?`)
    this.#removeManifest = db.prepare(`DELETE FROM ecr_registry_manifests_v1
      WHERE account = ? AND region = ? AND repository = ? AND digest = ?`)
    this.#addUpload = db.prepare(`INSERT INTO ecr_registry_uploads_v1
      (id, account, region, repository, started_at) VALUES (@id, @account, @region, @repository, @startedAt)`)
    this.#getUpload = db.prepare(`SELECT id, account, region, repository FROM ecr_registry_uploads_v1
      WHERE id = ?`)
    this.#removeUpload = db.prepare('DELETE FROM ecr_registry_uploads_v1 WHERE id = ?')
    this.#expireUploads = db.prepare('DELETE FROM ecr_registry_uploads_v1 WHERE started_at < ? RETURNING id').pluck()
    this.#uploadIds = db.prepare('SELECT id FROM ecr_registry_uploads_v1').pluck()
  }

  addUpload (u: UploadRecord): void {
    this.#addUpload.run({ ...u, startedAt: Math.floor(Date.now() / 1000) })
  }

  upload (id: string): UploadRecord | undefined {
    return this.#getUpload.get(id) as UploadRecord | undefined
  }

  removeUpload (id: string): void {
    this.#removeUpload.run(id)
  }

  /** Forgets the uploads started before `before` (epoch seconds): their ids. */
  expireUploads (before: number): string[] {
    return this.#expireUploads.all(before) as string[]
  }

  uploadIds (): Set<string> {
    return new Set(this.#uploadIds.all() as string[])
  }

  /** Keeps a new password, dropping those expired a day before `now` (epoch seconds). */
  addToken (t: RegistryTokenRecord, now: number): void {
    this.#purgeTokens.run(now - 86_400)
    this.#addToken.run({ accessKeyId: null, sessionToken: null, ...t })
  }

  /** The password as issued, expired or not. */
  token (token: string): RegistryTokenRecord | undefined {
    const row = this.#getToken.get(token) as Record<string, unknown> | undefined
    if (row === undefined) return undefined
    const t = { ...row } as unknown as RegistryTokenRecord
    if (row.accessKeyId === null) delete t.accessKeyId
    if (row.sessionToken === null) delete t.sessionToken
    return t
  }

  addBlob (r: RepositoryKey, digest: string, size: number): void {
    this.#addBlob.run(r.account, r.region, r.repository, digest, size)
  }

  /** The size of a blob the repository holds. */
  blobSize (r: RepositoryKey, digest: string): number | undefined {
    return this.#getBlob.get(r.account, r.region, r.repository, digest) as number | undefined
  }

  manifest (r: RepositoryKey, digest: string): StoredManifest | undefined {
    return this.#getManifest.get(r.account, r.region, r.repository, digest) as StoredManifest | undefined
  }

  /** The digest a tag names. */
  tagged (r: RepositoryKey, tag: string): string | undefined {
    return this.#getTag.get(r.account, r.region, r.repository, tag) as string | undefined
  }

  tags (r: RepositoryKey): string[] {
    return this.#tags.all(r.account, r.region, r.repository) as string[]
  }

  /** The repositories of a registry that hold an image. */
  repositories (account: string, region: string): string[] {
    return this.#repositories.all(account, region) as string[]
  }

  /** Every manifest of the repository, oldest push first, with the tags that point at it. */
  images (r: RepositoryKey): (StoredManifest & { tags: string[] })[] {
    const manifests = this.db.prepare(`SELECT digest, media_type AS mediaType, bytes, pushed_at AS pushedAt
      FROM ecr_registry_manifests_v1 WHERE account = ? AND region = ? AND repository = ?
      ORDER BY pushed_at, digest`).all(r.account, r.region, r.repository) as StoredManifest[]
    const tags = this.db.prepare(`SELECT tag, digest FROM ecr_registry_tags_v1
      WHERE account = ? AND region = ? AND repository = ? ORDER BY tag`)
      .all(r.account, r.region, r.repository) as { tag: string, digest: string }[]
    return manifests.map(m => ({ ...m, tags: tags.filter(t => t.digest === m.digest).map(t => t.tag) }))
  }

  /** How many images (manifests) the repository holds. */
  imageCount (r: RepositoryKey): number {
    return this.db.prepare(`SELECT COUNT(*) FROM ecr_registry_manifests_v1
      WHERE account = ? AND region = ? AND repository = ?`).pluck().get(r.account, r.region, r.repository) as number
  }

  /**
   * Forgets what the repository holds (its manifests, tags and blob links), as DeleteRepository
   * deletes its images; the blob files stay for other repositories that link them.
   */
  forget (r: RepositoryKey): void {
    this.db.transaction(() => {
      for (const table of ['ecr_registry_tags_v1', 'ecr_registry_manifests_v1', 'ecr_registry_blobs_v1']) {
        this.db.prepare(`DELETE FROM ${table} WHERE account = ? AND region = ? AND repository = ?`)
          .run(r.account, r.region, r.repository)
      }
    })()
  }

  /** Removes a tag; the manifest it named stays. */
  untag (r: RepositoryKey, tag: string): void {
    this.#untag.run(r.account, r.region, r.repository, tag)
  }

  /**
   * Removes a manifest and every tag that names it (BatchDeleteImage). The repository's blob
   * links and the blob files stay: there is no garbage collection.
   */
  removeManifest (r: RepositoryKey, digest: string): void {
    this.db.transaction(() => {
      this.#untagDigest.run(r.account, r.region, r.repository, digest)
      this.#removeManifest.run(r.account, r.region, r.repository, digest)
    })()
  }

  /** Stores a manifest (the first bytes for a digest stay) and points `tag` at it. */
  putManifest (r: RepositoryKey, m: StoredManifest, tag?: string): void {
    this.db.transaction(() => {
      this.#putManifest.run(r.account, r.region, r.repository, m.digest, m.mediaType, m.bytes, m.pushedAt)
      if (tag !== undefined) this.#putTag.run(r.account, r.region, r.repository, tag, m.digest)
    })()
  }
}

const UPLOAD_ID = /^[0-9a-f-]{36}$/

/** An upload in progress: where its bytes go, how many came. */
export interface UploadFile { path: string, size: number }

/**
 * Blob bytes by digest, `<dataDir>/ecr/blobs/sha256/<hex>` (a temporary directory for
 * `:memory:`, removed on close); uploads under `<dataDir>/ecr/uploads/`.
 */
export class BlobFiles {
  readonly root: string
  readonly #temporary: boolean

  constructor (dataDir: string) {
    this.#temporary = dataDir === ':memory:'
    this.root = this.#temporary
      ? mkdtempSync(join(tmpdir(), 'ecs-emulator-ecr-'))
      : resolve(dataDir, 'ecr')
    mkdirSync(join(this.root, 'blobs', 'sha256'), { recursive: true })
    mkdirSync(join(this.root, 'uploads'), { recursive: true })
  }

  /** The file of a verified blob, or undefined when there is none. */
  blobPath (digest: string): string | undefined {
    const m = /^sha256:([a-f0-9]{64})$/.exec(digest)
    if (m === null) return undefined
    const path = join(this.root, 'blobs', 'sha256', m[1])
    try { statSync(path) } catch { return undefined }
    return path
  }

  newUpload (): string {
    const id = randomUUID()
    writeFileSync(this.#uploadPath(id), '')
    return id
  }

  /** The uploads that have a file. */
  uploadIds (): string[] {
    return readdirSync(join(this.root, 'uploads')).filter(name => UPLOAD_ID.test(name))
  }

  uploadSize (id: string): number | undefined {
    try { return statSync(this.#uploadPath(id)).size } catch { return undefined }
  }

  /** Appends a request body to an upload, streaming; the upload's new size. */
  async append (id: string, body: Readable): Promise<number> {
    await pipeline(body, createWriteStream(this.#uploadPath(id), { flags: 'a' }))
    return statSync(this.#uploadPath(id)).size
  }

  /**
   * Hashes the upload and, when it is `digest`, moves it to the blobs: its size; undefined
   * (and the upload kept) when the bytes are another digest.
   */
  async commit (id: string, digest: string): Promise<number | undefined> {
    const path = this.#uploadPath(id)
    const hash = createHash('sha256')
    await pipeline(createReadStream(path), hash)
    if (`sha256:${hash.digest('hex')}` !== digest) return undefined
    const size = statSync(path).size
    renameSync(path, join(this.root, 'blobs', 'sha256', digest.slice('sha256:'.length)))
    return size
  }

  abort (id: string): void {
    rmSync(this.#uploadPath(id), { force: true })
  }

  /** Every blob (after a reset). */
  clear (): void {
    for (const dir of ['blobs', 'uploads']) rmSync(join(this.root, dir), { recursive: true, force: true })
    mkdirSync(join(this.root, 'blobs', 'sha256'), { recursive: true })
    mkdirSync(join(this.root, 'uploads'), { recursive: true })
  }

  close (): void {
    if (this.#temporary) rmSync(this.root, { recursive: true, force: true })
  }

  #uploadPath (id: string): string {
    if (!UPLOAD_ID.test(id)) throw new Error(`not an upload id: ${id}`)
    return join(this.root, 'uploads', id)
  }
}
