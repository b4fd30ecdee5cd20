import { describe, expect, it } from 'vitest'
import { useEmulator } from '../support/emulator.js'
import { ACCOUNT, failure } from '../support/fixtures.js'

const t = useEmulator()

const apArn = (id: string) => `arn:aws:elasticfilesystem:us-east-1:${ACCOUNT}:access-point/${id}`

async function fileSystem (token: string): Promise<string> {
  return (await t.efs.send('CreateFileSystem', { CreationToken: token })).FileSystemId
}

const ROOT_DIRECTORY = { Path: '/app/data', CreationInfo: { OwnerUid: 1000, OwnerGid: 1000, Permissions: '750' } }

describe('CreateAccessPoint', () => {
  it('answers with the POSIX user, the root directory and the state creating', async () => {
    const fsId = await fileSystem('ap')
    const ap = await t.efs.send('CreateAccessPoint', {
      ClientToken: 'ap-1', FileSystemId: fsId, PosixUser: { Uid: 1000, Gid: 1000, SecondaryGids: [5] },
      RootDirectory: ROOT_DIRECTORY, Tags: [{ Key: 'Name', Value: 'app' }]
    })
    expect(ap.$metadata.httpStatusCode).toBe(200)
    expect(ap.AccessPointId).toMatch(/^fsap-[0-9a-f]{17}$/)
    expect(ap).toMatchObject({
      ClientToken: 'ap-1', Name: 'app', Tags: [{ Key: 'Name', Value: 'app' }], AccessPointArn: apArn(ap.AccessPointId),
      FileSystemId: fsId, PosixUser: { Uid: 1000, Gid: 1000, SecondaryGids: [5] }, RootDirectory: ROOT_DIRECTORY,
      OwnerId: ACCOUNT, LifeCycleState: 'creating'
    })
  })

  it('roots an access point without a root directory at /', async () => {
    const ap = await t.efs.send('CreateAccessPoint', { ClientToken: 'ap-root', FileSystemId: await fileSystem('ap-root') })
    expect(ap.RootDirectory).toEqual({ Path: '/' })
    expect(ap.PosixUser).toBeUndefined()
  })

  it('fails with AccessPointAlreadyExists, naming the access point, for a used client token', async () => {
    const fsId = await fileSystem('ap-twice')
    const ap = await t.efs.send('CreateAccessPoint', { ClientToken: 'twice', FileSystemId: fsId })
    const e = await failure(t.efs.send('CreateAccessPoint', { ClientToken: 'twice', FileSystemId: fsId })) as any
    expect(e.name).toBe('AccessPointAlreadyExists')
    expect(e.$metadata.httpStatusCode).toBe(409)
    expect(e.body.AccessPointId).toBe(ap.AccessPointId)
  })

  it('fails with FileSystemNotFound for a file system that does not exist', async () => {
    const e = await failure(t.efs.send('CreateAccessPoint', { ClientToken: 'x', FileSystemId: 'fs-0123456789abcdef0' }))
    expect(e.name).toBe('FileSystemNotFound')
    expect(e.message).toBe("File system 'fs-0123456789abcdef0' does not exist.")
  })

  it('fails with ValidationException for a root directory five levels deep, as EFS words it', async () => {
    const e = await failure(t.efs.send('CreateAccessPoint', {
      ClientToken: 'deep', FileSystemId: await fileSystem('deep'), RootDirectory: { Path: '/one/two/three/four/five' }
    }))
    expect(e.name).toBe('ValidationException')
    expect(e.message).toBe("1 validation error detected: Value '/one/two/three/four/five' at 'rootDirectory.path' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(\\/|(\\/(?!\\.)+[^$#<>;`|&?{}^*/\\n]+){1,4})$")
  })
})

describe('DescribeAccessPoints', () => {
  it('lists by file system, finds by id, and pages with NextToken', async () => {
    const fsId = await fileSystem('list')
    const ids: string[] = []
    for (const n of [1, 2, 3]) {
      ids.push((await t.efs.send('CreateAccessPoint', { ClientToken: `list-${n}`, FileSystemId: fsId })).AccessPointId)
    }
    const byFs = await t.efs.send('DescribeAccessPoints', { FileSystemId: fsId })
    expect(byFs.AccessPoints.map((a: any) => a.AccessPointId)).toEqual(ids)
    expect(byFs.AccessPoints[0].LifeCycleState).toBe('available')
    const one = await t.efs.send('DescribeAccessPoints', { AccessPointId: apArn(ids[1]) })
    expect(one.AccessPoints.map((a: any) => a.AccessPointId)).toEqual([ids[1]])
    const first = await t.efs.send('DescribeAccessPoints', { FileSystemId: fsId, MaxResults: 2 })
    expect(first.NextToken).toBe(ids[2])
    const rest = await t.efs.send('DescribeAccessPoints', { FileSystemId: fsId, MaxResults: 2, NextToken: first.NextToken })
    expect(rest.AccessPoints.map((a: any) => a.AccessPointId)).toEqual([ids[2]])
    expect(rest.NextToken).toBeUndefined()
    const all = await t.efs.send('DescribeAccessPoints')
    expect(all.AccessPoints.length).toBeGreaterThanOrEqual(3)
  })

  it('fails with AccessPointNotFound for an id that does not exist', async () => {
    const e = await failure(t.efs.send('DescribeAccessPoints', { AccessPointId: 'fsap-0123456789abcdef0' })) as any
    expect(e.name).toBe('AccessPointNotFound')
    expect(e.message).toBe("Access point 'fsap-0123456789abcdef0' does not exist.")
    expect(e.$metadata.httpStatusCode).toBe(404)
  })

  it('fails with BadRequest when given both an access point and a file system', async () => {
    const e = await failure(t.efs.send('DescribeAccessPoints', { AccessPointId: 'fsap-0123456789abcdef0', FileSystemId: 'fs-0123456789abcdef0' }))
    expect(e.name).toBe('BadRequest')
  })
})

describe('DeleteAccessPoint', () => {
  it('answers 204, and then the access point is not found', async () => {
    const ap = await t.efs.send('CreateAccessPoint', { ClientToken: 'gone', FileSystemId: await fileSystem('gone') })
    const out = await t.efs.send('DeleteAccessPoint', { AccessPointId: ap.AccessPointId })
    expect(out.$metadata.httpStatusCode).toBe(204)
    const e = await failure(t.efs.send('DeleteAccessPoint', { AccessPointId: ap.AccessPointId }))
    expect(e.name).toBe('AccessPointNotFound')
  })
})
