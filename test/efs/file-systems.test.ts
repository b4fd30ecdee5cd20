import { existsSync } from 'node:fs'
import { SignatureV4 } from '@smithy/signature-v4'
import { describe, expect, it } from 'vitest'
import { Sha256 } from '../../api/sigv4.js'
import { useEmulator } from '../support/emulator.js'
import { ACCOUNT, failure, policyDocument } from '../support/fixtures.js'

const t = useEmulator()

const fsArn = (id: string) => `arn:aws:elasticfilesystem:us-east-1:${ACCOUNT}:file-system/${id}`
const MISSING = 'fs-0123456789abcdef0'

async function created (token: string, more: Record<string, unknown> = {}) {
  return await t.efs.send('CreateFileSystem', { CreationToken: token, ...more })
}

describe('CreateFileSystem', () => {
  it('answers 201 with the defaults and the state creating, then describes it available', async () => {
    const fs = await created('defaults', { Tags: [{ Key: 'Name', Value: 'shared' }] })
    expect(fs.$metadata.httpStatusCode).toBe(201)
    expect(fs.FileSystemId).toMatch(/^fs-[0-9a-f]{17}$/)
    expect(fs).toMatchObject({
      OwnerId: ACCOUNT, CreationToken: 'defaults', FileSystemArn: fsArn(fs.FileSystemId),
      LifeCycleState: 'creating', Name: 'shared', NumberOfMountTargets: 0, PerformanceMode: 'generalPurpose',
      Encrypted: false, ThroughputMode: 'bursting', Tags: [{ Key: 'Name', Value: 'shared' }],
      SizeInBytes: { Value: 6144, ValueInIA: 0, ValueInStandard: 6144, ValueInArchive: 0 },
      FileSystemProtection: { ReplicationOverwriteProtection: 'ENABLED' }
    })
    expect(fs.KmsKeyId).toBeUndefined()
    const { FileSystems } = await t.efs.send('DescribeFileSystems', { FileSystemId: fs.FileSystemId })
    expect(FileSystems).toHaveLength(1)
    expect(FileSystems[0].LifeCycleState).toBe('available')
    expect(existsSync(t.emu.emulator.efs.storage.directory(fs.FileSystemId))).toBe(true)
  })

  it('fails with FileSystemAlreadyExists, naming the existing file system, for a used creation token', async () => {
    const fs = await created('same-token')
    const e = await failure(created('same-token')) as any
    expect(e.name).toBe('FileSystemAlreadyExists')
    expect(e.message).toBe(`File system '${fs.FileSystemId}' already exists with creation token 'same-token'`)
    expect(e.$metadata.httpStatusCode).toBe(409)
    expect(e.body).toEqual({ ErrorCode: 'FileSystemAlreadyExists', Message: e.message, FileSystemId: fs.FileSystemId })
  })

  it('keeps the encryption, throughput and One Zone settings', async () => {
    const fs = await created('settings', {
      Encrypted: true, PerformanceMode: 'maxIO', ThroughputMode: 'provisioned',
      ProvisionedThroughputInMibps: 64, AvailabilityZoneName: 'us-east-1b'
    })
    expect(fs).toMatchObject({
      Encrypted: true, PerformanceMode: 'maxIO', ThroughputMode: 'provisioned', ProvisionedThroughputInMibps: 64,
      AvailabilityZoneName: 'us-east-1b', AvailabilityZoneId: 'use1-az2'
    })
    expect(fs.KmsKeyId).toMatch(new RegExp(`^arn:aws:kms:us-east-1:${ACCOUNT}:key/[0-9a-f-]{36}$`))
  })

  it('fails with BadRequest for provisioned throughput without a rate', async () => {
    const e = await failure(created('no-rate', { ThroughputMode: 'provisioned' }))
    expect(e.name).toBe('BadRequest')
  })

  it('fails with ValidationException for a value outside the model', async () => {
    const e = await failure(created('bad-mode', { PerformanceMode: 'fast' }))
    expect(e.name).toBe('ValidationException')
    expect(e.message).toBe("1 validation error detected: Value 'fast' at 'performanceMode' failed to satisfy constraint: Member must satisfy enum value set: [generalPurpose, maxIO]")
  })
})

describe('DescribeFileSystems', () => {
  it('fails with FileSystemNotFound for an id that does not exist', async () => {
    const e = await failure(t.efs.send('DescribeFileSystems', { FileSystemId: MISSING })) as any
    expect(e.name).toBe('FileSystemNotFound')
    expect(e.message).toBe(`File system '${MISSING}' does not exist.`)
    expect(e.$metadata.httpStatusCode).toBe(404)
  })

  it('finds by creation token and by ARN, and pages with Marker and MaxItems', async () => {
    const fs = await created('by-token')
    const byToken = await t.efs.send('DescribeFileSystems', { CreationToken: 'by-token' })
    expect(byToken.FileSystems.map((f: any) => f.FileSystemId)).toEqual([fs.FileSystemId])
    expect((await t.efs.send('DescribeFileSystems', { CreationToken: 'nobody' })).FileSystems).toEqual([])
    const byArn = await t.efs.send('DescribeFileSystems', { FileSystemId: fs.FileSystemArn })
    expect(byArn.FileSystems[0].FileSystemId).toBe(fs.FileSystemId)

    const all = (await t.efs.send('DescribeFileSystems')).FileSystems.map((f: any) => f.FileSystemId)
    const first = await t.efs.send('DescribeFileSystems', { MaxItems: 2 })
    expect(first.FileSystems.map((f: any) => f.FileSystemId)).toEqual(all.slice(0, 2))
    expect(first.NextMarker).toBe(all[2])
    const second = await t.efs.send('DescribeFileSystems', { MaxItems: 2, Marker: first.NextMarker })
    expect(second.Marker).toBe(first.NextMarker)
    expect(second.FileSystems[0].FileSystemId).toBe(all[2])
  })

  it('fails with ValidationException for an id of the wrong form', async () => {
    const e = await failure(t.efs.send('DescribeFileSystems', { FileSystemId: 'nope' }))
    expect(e.name).toBe('ValidationException')
    expect(e.message).toMatch(/^1 validation error detected: Value 'nope' at 'fileSystemId' failed to satisfy constraint: Member must satisfy regular expression pattern: /)
  })
})

describe('UpdateFileSystem', () => {
  it('changes the throughput mode and answers 202', async () => {
    const fs = await created('update')
    const out = await t.efs.send('UpdateFileSystem', {
      FileSystemId: fs.FileSystemId, ThroughputMode: 'provisioned', ProvisionedThroughputInMibps: 128
    })
    expect(out.$metadata.httpStatusCode).toBe(202)
    expect(out).toMatchObject({ ThroughputMode: 'provisioned', ProvisionedThroughputInMibps: 128, LifeCycleState: 'updating' })
    const back = await t.efs.send('UpdateFileSystem', { FileSystemId: fs.FileSystemId, ThroughputMode: 'elastic' })
    expect(back.ThroughputMode).toBe('elastic')
    expect(back.ProvisionedThroughputInMibps).toBeUndefined()
  })
})

describe('DeleteFileSystem', () => {
  it('answers 204, removes its data, and then the file system is not found', async () => {
    const fs = await created('delete-me')
    const ap = await t.efs.send('CreateAccessPoint', { ClientToken: 'delete-me', FileSystemId: fs.FileSystemId })
    const out = await t.efs.send('DeleteFileSystem', { FileSystemId: fs.FileSystemId })
    expect(out.$metadata.httpStatusCode).toBe(204)
    expect(existsSync(t.emu.emulator.efs.storage.directory(fs.FileSystemId))).toBe(false)
    expect((await failure(t.efs.send('DescribeAccessPoints', { AccessPointId: ap.AccessPointId }))).name).toBe('AccessPointNotFound')
    const e = await failure(t.efs.send('DeleteFileSystem', { FileSystemId: fs.FileSystemId }))
    expect(e.name).toBe('FileSystemNotFound')
    expect(e.message).toBe(`File system '${fs.FileSystemId}' does not exist.`)
  })
})

describe('PutFileSystemPolicy', () => {
  const policy = (id: string) => policyDocument({
    Sid: 'mount', Effect: 'Allow', Principal: { AWS: '*' }, Action: 'elasticfilesystem:ClientMount',
    Resource: fsArn(id), Condition: { Bool: { 'aws:SecureTransport': 'true' } }
  })

  it('keeps the policy, describes it, and deletes it', async () => {
    const fs = await created('policy')
    const e = await failure(t.efs.send('DescribeFileSystemPolicy', { FileSystemId: fs.FileSystemId })) as any
    expect(e.name).toBe('PolicyNotFound')
    expect(e.$metadata.httpStatusCode).toBe(404)

    const put = await t.efs.send('PutFileSystemPolicy', { FileSystemId: fs.FileSystemId, Policy: policy(fs.FileSystemId) })
    expect(put).toMatchObject({ FileSystemId: fs.FileSystemId, Policy: policy(fs.FileSystemId) })
    const got = await t.efs.send('DescribeFileSystemPolicy', { FileSystemId: fs.FileSystemId })
    expect(got.Policy).toBe(policy(fs.FileSystemId))
    const deleted = await t.efs.send('DeleteFileSystemPolicy', { FileSystemId: fs.FileSystemId })
    expect(deleted.$metadata.httpStatusCode).toBe(200)
    expect((await failure(t.efs.send('DescribeFileSystemPolicy', { FileSystemId: fs.FileSystemId }))).name).toBe('PolicyNotFound')
  })

  it('fails with InvalidPolicyException for a document that is not a policy', async () => {
    const fs = await created('bad-policy')
    const e = await failure(t.efs.send('PutFileSystemPolicy', { FileSystemId: fs.FileSystemId, Policy: '{"Statement": [{"Effect": "Allow"}]}' }))
    expect(e.name).toBe('InvalidPolicyException')
  })

  it('refuses a policy that would lock the caller out, unless told to bypass the check', async () => {
    const fs = await created('lockout')
    const lockout = policyDocument({ Effect: 'Deny', Principal: { AWS: '*' }, Action: 'elasticfilesystem:PutFileSystemPolicy', Resource: '*' })
    const e = await failure(t.efs.send('PutFileSystemPolicy', { FileSystemId: fs.FileSystemId, Policy: lockout }))
    expect(e.name).toBe('InvalidPolicyException')
    const ok = await t.efs.send('PutFileSystemPolicy', { FileSystemId: fs.FileSystemId, Policy: lockout, BypassPolicyLockoutSafetyCheck: true })
    expect(ok.Policy).toBe(lockout)
  })
})

describe('PutLifecycleConfiguration', () => {
  it('keeps the lifecycle policies and describes them', async () => {
    const fs = await created('lifecycle')
    expect((await t.efs.send('DescribeLifecycleConfiguration', { FileSystemId: fs.FileSystemId })).LifecyclePolicies).toEqual([])
    const policies = [{ TransitionToIA: 'AFTER_30_DAYS' }, { TransitionToPrimaryStorageClass: 'AFTER_1_ACCESS' }]
    const put = await t.efs.send('PutLifecycleConfiguration', { FileSystemId: fs.FileSystemId, LifecyclePolicies: policies })
    expect(put.LifecyclePolicies).toEqual(policies)
    const got = await t.efs.send('DescribeLifecycleConfiguration', { FileSystemId: fs.FileSystemId })
    expect(got.LifecyclePolicies).toEqual(policies)
  })

  it('fails with BadRequest for a policy with two transitions', async () => {
    const fs = await created('lifecycle-two')
    const e = await failure(t.efs.send('PutLifecycleConfiguration', {
      FileSystemId: fs.FileSystemId, LifecyclePolicies: [{ TransitionToIA: 'AFTER_7_DAYS', TransitionToArchive: 'AFTER_90_DAYS' }]
    }))
    expect(e.name).toBe('BadRequest')
  })
})

describe('TagResource', () => {
  it('tags, lists and untags a file system and an access point', async () => {
    const fs = await created('tags', { Tags: [{ Key: 'team', Value: 'a' }] })
    await t.efs.send('TagResource', { ResourceId: fs.FileSystemId, Tags: [{ Key: 'Name', Value: 'renamed' }] })
    const listed = await t.efs.send('ListTagsForResource', { ResourceId: fs.FileSystemArn })
    expect(listed.Tags).toEqual([{ Key: 'team', Value: 'a' }, { Key: 'Name', Value: 'renamed' }])
    expect((await t.efs.send('DescribeFileSystems', { FileSystemId: fs.FileSystemId })).FileSystems[0].Name).toBe('renamed')
    const untagged = await t.efs.send('UntagResource', { ResourceId: fs.FileSystemId, TagKeys: ['team', 'Name'] })
    expect(untagged.$metadata.httpStatusCode).toBe(200)
    expect((await t.efs.send('ListTagsForResource', { ResourceId: fs.FileSystemId })).Tags).toEqual([])

    const ap = await t.efs.send('CreateAccessPoint', { ClientToken: 'tags', FileSystemId: fs.FileSystemId })
    await t.efs.send('TagResource', { ResourceId: ap.AccessPointId, Tags: [{ Key: 'Name', Value: 'door' }] })
    expect((await t.efs.send('ListTagsForResource', { ResourceId: ap.AccessPointArn })).Tags).toEqual([{ Key: 'Name', Value: 'door' }])
  })

  it('fails with FileSystemNotFound and AccessPointNotFound for resources that do not exist', async () => {
    expect((await failure(t.efs.send('ListTagsForResource', { ResourceId: MISSING }))).name).toBe('FileSystemNotFound')
    const e = await failure(t.efs.send('TagResource', { ResourceId: 'fsap-0123456789abcdef0', Tags: [{ Key: 'a', Value: 'b' }] }))
    expect(e.name).toBe('AccessPointNotFound')
    expect(e.message).toBe("Access point 'fsap-0123456789abcdef0' does not exist.")
  })

  it('fails with ValidationException for a tag key in the aws: namespace', async () => {
    const fs = await created('aws-tag')
    const e = await failure(t.efs.send('TagResource', { ResourceId: fs.FileSystemId, Tags: [{ Key: 'aws:x', Value: 'b' }] }))
    expect(e.name).toBe('ValidationException')
  })
})

/** A signed request to any path, as an EFS client would send it. */
async function signed (method: string, path: string): Promise<{ status: number, type: string | null, body: any }> {
  const u = new URL(t.emu.url)
  const signer = new SignatureV4({
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, region: 'us-east-1', service: 'elasticfilesystem', sha256: Sha256
  })
  const req = await signer.sign({ method, protocol: 'http:', hostname: u.hostname, port: Number(u.port), path, query: {}, headers: { host: u.host } })
  const res = await fetch(`${t.emu.url}${path}`, { method, headers: req.headers as Record<string, string> })
  return { status: res.status, type: res.headers.get('x-amzn-errortype'), body: await res.json() }
}

describe('restJson1 routing', () => {
  it('answers UnknownOperationException for a path of no operation, and for an operation not emulated', async () => {
    expect(await signed('GET', '/2015-02-01/nothing-here')).toMatchObject({ status: 404, type: 'UnknownOperationException' })
    const deprecated = await signed('POST', '/2015-02-01/create-tags/fs-0123456789abcdef0')
    expect(deprecated).toEqual({
      status: 400, type: 'UnknownOperationException',
      body: { ErrorCode: 'UnknownOperationException', Message: 'Operation CreateTags is not emulated.' }
    })
  })
})
