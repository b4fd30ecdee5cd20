/**
 * The data of each file system: a local directory, `<dataDir>/efs/<fs-id>/` (with an in-memory
 * database, a temporary directory removed on close). A mount is a bind mount of the file
 * system's directory or of a directory inside it, so containers on this host share the files.
 */
import {
  chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, statSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, resolve, sep } from 'node:path'
import type { CreationInfo } from './file-system.js'

/** A size walk stops after this many entries: EFS's own metering is approximate too. */
const WALK_LIMIT = 10_000

/** What an empty file system reports: its root directory's metadata. */
const EMPTY_SIZE = 6144

export class EfsStorage {
  readonly root: string
  readonly #temporary: boolean

  constructor (dataDir: string) {
    this.#temporary = dataDir === ':memory:'
    this.root = this.#temporary
      ? mkdtempSync(join(tmpdir(), 'ecs-emulator-efs-'))
      : resolve(dataDir, 'efs')
    mkdirSync(this.root, { recursive: true })
  }

  directory (fileSystemId: string): string {
    return join(this.root, fileSystemId)
  }

  /** The file system's root directory: owned by the emulator's user, mode 755, as EFS's is root's. */
  create (fileSystemId: string): void {
    mkdirSync(this.directory(fileSystemId), { recursive: true, mode: 0o755 })
  }

  remove (fileSystemId: string): void {
    rmSync(this.directory(fileSystemId), { recursive: true, force: true })
  }

  /** Every file system's data (after a reset). */
  clear (): void {
    for (const name of readdirSync(this.root)) rmSync(join(this.root, name), { recursive: true, force: true })
  }

  close (): void {
    if (this.#temporary) rmSync(this.root, { recursive: true, force: true })
  }

  /**
   * The host directory for `path` inside the file system, if it exists there (a path that
   * leaves the file system's directory does not).
   */
  existing (fileSystemId: string, path: string): string | undefined {
    const dir = this.#inside(fileSystemId, path)
    if (dir === undefined) return undefined
    try {
      // A symbolic link a container made must not lead the bind mount out of the file system.
      const real = realpathSync(dir)
      const base = realpathSync(this.directory(fileSystemId))
      if (real !== base && !real.startsWith(base + sep)) return undefined
      return statSync(real).isDirectory() ? real : undefined
    } catch { return undefined }
  }

  /**
   * An access point's root directory: made on first use when the access point has creation
   * info (owned by its uid and gid when the emulator runs as root, with its permissions),
   * otherwise only found.
   */
  accessPointRoot (fileSystemId: string, path: string, info: CreationInfo | undefined): string | undefined {
    const found = this.existing(fileSystemId, path)
    if (found !== undefined || info === undefined) return found
    const dir = this.#inside(fileSystemId, path)
    if (dir === undefined) return undefined
    mkdirSync(dir, { recursive: true })
    chmodSync(dir, parseInt(info.Permissions, 8))
    if (process.getuid?.() === 0) chownSync(dir, info.OwnerUid, info.OwnerGid)
    return dir
  }

  /** Bytes stored, as SizeInBytes reports them (approximate, as EFS's metering is). */
  sizeOf (fileSystemId: string): number {
    let bytes = EMPTY_SIZE
    let seen = 0
    const walk = (dir: string): void => {
      let names: string[]
      try { names = readdirSync(dir) } catch { return }
      for (const name of names) {
        if (++seen > WALK_LIMIT) return
        try {
          const st = lstatSync(join(dir, name))
          if (st.isDirectory()) walk(join(dir, name))
          else bytes += st.size
        } catch {}
      }
    }
    walk(this.directory(fileSystemId))
    return bytes
  }

  #inside (fileSystemId: string, path: string): string | undefined {
    const base = this.directory(fileSystemId)
    const dir = resolve(base, `.${sep}${path}`)
    const rel = relative(base, dir)
    return rel.startsWith('..') ? undefined : dir
  }
}
