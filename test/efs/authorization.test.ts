import { describe, expect, it } from 'vitest'
import { ensureDefaultVpc, type SubnetRecord } from '../../src/ec2/network.js'
import { useEmulator } from '../support/emulator.js'
import { ACCOUNT, allowPolicy, failure, policyDocument, userWithKey } from '../support/fixtures.js'

const t = useEmulator()

const user = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`
const fsArn = (id: string) => `arn:aws:elasticfilesystem:us-east-1:${ACCOUNT}:file-system/${id}`

async function efsAs (name: string, policy?: string) {
  return t.emu.clients(await userWithKey(t.iam, name, policy)).efs
}

describe('EFS authorization', () => {
  it('fails with AccessDeniedException (403), worded as EFS words it, without a policy', async () => {
    const efs = await efsAs('nobody')
    const e = await failure(efs.send('DescribeFileSystems')) as any
    expect(e.name).toBe('AccessDeniedException')
    expect(e.$metadata.httpStatusCode).toBe(403)
    expect(e.message).toBe(`User: ${user('nobody')} is not authorized to perform: elasticfilesystem:DescribeFileSystems on the specified resource`)
  })

  it('authorizes a file system\'s actions on its ARN, with its tags as aws:ResourceTag', async () => {
    const tagged = (await t.efs.send('CreateFileSystem', { CreationToken: 'team-a', Tags: [{ Key: 'team', Value: 'a' }] })).FileSystemId
    const other = (await t.efs.send('CreateFileSystem', { CreationToken: 'team-b' })).FileSystemId
    const efs = await efsAs('team-a', policyDocument({
      Effect: 'Allow', Action: 'elasticfilesystem:DescribeFileSystems', Resource: 'arn:aws:elasticfilesystem:*:*:file-system/*',
      Condition: { StringEquals: { 'aws:ResourceTag/team': 'a' } }
    }))
    expect((await efs.send('DescribeFileSystems', { FileSystemId: tagged })).FileSystems).toHaveLength(1)
    expect((await failure(efs.send('DescribeFileSystems', { FileSystemId: other }))).name).toBe('AccessDeniedException')
    const decision = t.emu.emulator.decisions.query({ principal: user('team-a'), decision: 'ImplicitDeny' })[0]
    expect(decision.resource).toBe(fsArn(other))
  })

  it('denies what the file system policy denies, even to a principal allowed everything', async () => {
    const id = (await t.efs.send('CreateFileSystem', { CreationToken: 'guarded' })).FileSystemId
    await t.efs.send('PutFileSystemPolicy', {
      FileSystemId: id,
      Policy: policyDocument({ Sid: 'keep', Effect: 'Deny', Principal: { AWS: '*' }, Action: 'elasticfilesystem:DeleteFileSystem', Resource: fsArn(id) })
    })
    const admin = await efsAs('admin', allowPolicy('elasticfilesystem:*'))
    const e = await failure(admin.send('DeleteFileSystem', { FileSystemId: id })) as any
    expect(e.name).toBe('AccessDeniedException')
    expect(e.$metadata.httpStatusCode).toBe(403)
    const decision = t.emu.emulator.decisions.query({ principal: user('admin'), action: 'elasticfilesystem:DeleteFileSystem' })[0]
    expect(decision).toMatchObject({ decision: 'ExplicitDeny', decidedBy: { kind: 'resource', statement: 'keep' } })
    expect((await admin.send('DescribeFileSystems', { FileSystemId: id })).FileSystems).toHaveLength(1)
  })

  it('authorizes tags on create as elasticfilesystem:TagResource with elasticfilesystem:CreateAction', async () => {
    const create = { Effect: 'Allow', Action: ['elasticfilesystem:CreateFileSystem', 'elasticfilesystem:CreateAccessPoint'], Resource: '*' }
    const plain = await efsAs('no-tagging', policyDocument(create))
    await plain.send('CreateFileSystem', { CreationToken: 'untagged' })
    const e = await failure(plain.send('CreateFileSystem', { CreationToken: 'tagged', Tags: [{ Key: 'team', Value: 'a' }] }))
    expect(e.message).toMatch(/^User: .* is not authorized to perform: elasticfilesystem:TagResource on the specified resource$/)

    const tagging = await efsAs('tag-on-create', policyDocument(create, {
      Effect: 'Allow', Action: 'elasticfilesystem:TagResource', Resource: '*',
      Condition: { StringEquals: { 'elasticfilesystem:CreateAction': ['CreateFileSystem', 'CreateAccessPoint'] } }
    }))
    const fs = await tagging.send('CreateFileSystem', { CreationToken: 'tagged', Tags: [{ Key: 'team', Value: 'a' }] })
    expect(fs.Tags).toEqual([{ Key: 'team', Value: 'a' }])
    await tagging.send('CreateAccessPoint', { ClientToken: 'tagged', FileSystemId: fs.FileSystemId, Tags: [{ Key: 'team', Value: 'a' }] })
    expect((await failure(tagging.send('TagResource', { ResourceId: fs.FileSystemId, Tags: [{ Key: 'x', Value: 'y' }] }))).name)
      .toBe('AccessDeniedException')
  })

  it('checks aws:RequestTag and elasticfilesystem:Encrypted on CreateFileSystem', async () => {
    const efs = await efsAs('encrypted-only', policyDocument({
      Effect: 'Allow', Action: 'elasticfilesystem:CreateFileSystem', Resource: '*',
      Condition: { Bool: { 'elasticfilesystem:Encrypted': 'true' } }
    }))
    expect((await failure(efs.send('CreateFileSystem', { CreationToken: 'plain' }))).name).toBe('AccessDeniedException')
    expect((await efs.send('CreateFileSystem', { CreationToken: 'secret', Encrypted: true })).Encrypted).toBe(true)
  })

  it('needs the caller\'s EC2 permissions to make a mount target\'s network interface', async () => {
    const id = (await t.efs.send('CreateFileSystem', { CreationToken: 'ec2-perms' })).FileSystemId
    ensureDefaultVpc(t.emu.emulator.ec2.store, { account: ACCOUNT, region: 'us-east-1' })
    const subnet = t.emu.emulator.ec2.store.resources<SubnetRecord>({ account: ACCOUNT, region: 'us-east-1' }, 'subnet')[0]
    const efsOnly = await efsAs('efs-only', allowPolicy('elasticfilesystem:*'))
    const e = await failure(efsOnly.send('CreateMountTarget', { FileSystemId: id, SubnetId: subnet.id }))
    expect(e.message).toBe(`User: ${user('efs-only')} is not authorized to perform: ec2:DescribeSubnets on the specified resource`)
    const both = await efsAs('efs-and-ec2', allowPolicy(['elasticfilesystem:*', 'ec2:DescribeSubnets',
      'ec2:DescribeNetworkInterfaces', 'ec2:CreateNetworkInterface']))
    expect((await both.send('CreateMountTarget', { FileSystemId: id, SubnetId: subnet.id })).SubnetId).toBe(subnet.id)
  })
})
