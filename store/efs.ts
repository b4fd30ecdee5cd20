/**
 * EFS file systems, access points and mount targets, one document each, keyed by account,
 * region and id and listed in creation order. File system ids are unique across accounts, so a
 * mount (which knows only the id and the region) finds a file system by id alone.
 */
import type { Db, Schema } from './db.js'
import { fromJson } from './db.js'
import { RegionalDocuments, regionalTable } from './regional.js'
import type { AccessPointRecord, FileSystemRecord, MountTargetRecord } from '../src/efs/file-system.js'

export const efsSchema: Schema = {
  name: 'efs-v1',
  sql: `${regionalTable('efs_file_systems_v1')}
  ${regionalTable('efs_access_points_v1')}
  ${regionalTable('efs_mount_targets_v1')}
  CREATE INDEX efs_file_systems_v1_id ON efs_file_systems_v1 (region, name);`
}

export class EfsStore {
  readonly fileSystems: RegionalDocuments<FileSystemRecord>
  readonly accessPoints: RegionalDocuments<AccessPointRecord>
  readonly mountTargets: RegionalDocuments<MountTargetRecord>
  readonly #fileSystemById

  constructor (readonly db: Db) {
    this.fileSystems = new RegionalDocuments(db, 'efs_file_systems_v1',
      f => ({ account: f.account, region: f.region, name: f.fileSystemId }))
    this.accessPoints = new RegionalDocuments(db, 'efs_access_points_v1',
      a => ({ account: a.account, region: a.region, name: a.accessPointId }))
    this.mountTargets = new RegionalDocuments(db, 'efs_mount_targets_v1',
      m => ({ account: m.account, region: m.region, name: m.mountTargetId }))
    this.#fileSystemById = db.prepare('SELECT doc FROM efs_file_systems_v1 WHERE region = ? AND name = ?').pluck()
  }

  /** Runs `fn` in one transaction (synchronous: never await inside). */
  transaction<T> (fn: () => T): T {
    return this.db.transaction(fn)()
  }

  /** A file system by region and id, in whichever account it is. */
  fileSystemById (region: string, id: string): FileSystemRecord | undefined {
    const doc = this.#fileSystemById.get(region, id) as string | undefined
    return doc === undefined ? undefined : fromJson<FileSystemRecord>(doc)
  }

  accessPointsOf (fs: FileSystemRecord): AccessPointRecord[] {
    return this.accessPoints.list(fs.account, fs.region).filter(a => a.fileSystemId === fs.fileSystemId)
  }

  mountTargetsOf (fs: FileSystemRecord): MountTargetRecord[] {
    return this.mountTargets.list(fs.account, fs.region).filter(m => m.fileSystemId === fs.fileSystemId)
  }
}
