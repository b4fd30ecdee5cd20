import { describe, expect, it } from 'vitest'
import { ensureDefaultVpc, type SecurityGroupRecord, type SubnetRecord } from '../../src/ec2/network.js'
import { useEmulator } from '../support/emulator.js'
import { ACCOUNT, failure } from '../support/fixtures.js'
import { ec2Call } from '../ec2/client.js'

const t = useEmulator()

const SCOPE = { account: ACCOUNT, region: 'us-east-1' }

/** The default VPC's subnets, by zone (a, b, c ...). */
function subnets (): Record<string, SubnetRecord> {
  const store = t.emu.emulator.ec2.store
  ensureDefaultVpc(store, SCOPE)
  const all = store.resources<SubnetRecord>(SCOPE, 'subnet').filter(s => s.defaultForAz)
  return Object.fromEntries(all.map(s => [s.availabilityZone.slice(-1), s]))
}

function defaultGroup (vpcId: string): SecurityGroupRecord {
  return t.emu.emulator.ec2.store.resources<SecurityGroupRecord>(SCOPE, 'security-group')
    .find(g => g.vpcId === vpcId && g.groupName === 'default')!
}

async function fileSystem (token: string, more: Record<string, unknown> = {}): Promise<string> {
  return (await t.efs.send('CreateFileSystem', { CreationToken: token, ...more })).FileSystemId
}

describe('CreateMountTarget', () => {
  it('makes a network interface in the subnet with the next address of its block', async () => {
    const fsId = await fileSystem('mt')
    const subnet = subnets().a
    const mt = await t.efs.send('CreateMountTarget', { FileSystemId: fsId, SubnetId: subnet.id })
    expect(mt.MountTargetId).toMatch(/^fsmt-[0-9a-f]{17}$/)
    expect(mt).toMatchObject({
      OwnerId: ACCOUNT, FileSystemId: fsId, SubnetId: subnet.id, LifeCycleState: 'creating',
      AvailabilityZoneName: 'us-east-1a', AvailabilityZoneId: 'use1-az1', VpcId: subnet.vpcId
    })
    expect(mt.IpAddress).toMatch(/^172\.31\.\d+\.\d+$/)

    const eni = await ec2Call(t.emu.url, 'DescribeNetworkInterfaces', { 'NetworkInterfaceId.1': mt.NetworkInterfaceId })
    const item = eni.body.networkInterfaceSet.item[0]
    expect(item).toMatchObject({
      privateIpAddress: mt.IpAddress, subnetId: subnet.id, requesterManaged: 'true',
      description: `EFS mount target for ${fsId} (${mt.MountTargetId})`
    })
    const fs = await t.efs.send('DescribeFileSystems', { FileSystemId: fsId })
    expect(fs.FileSystems[0].NumberOfMountTargets).toBe(1)
  })

  it('takes the address and security groups it is given', async () => {
    const fsId = await fileSystem('mt-ip')
    const subnet = subnets().b
    const group = defaultGroup(subnet.vpcId)
    const mt = await t.efs.send('CreateMountTarget', {
      FileSystemId: fsId, SubnetId: subnet.id, IpAddress: '172.31.16.200', SecurityGroups: [group.id]
    })
    expect(mt.IpAddress).toBe('172.31.16.200')
    const groups = await t.efs.send('DescribeMountTargetSecurityGroups', { MountTargetId: mt.MountTargetId })
    expect(groups.SecurityGroups).toEqual([group.id])

    const other = await fileSystem('mt-ip-2')
    const e = await failure(t.efs.send('CreateMountTarget', { FileSystemId: other, SubnetId: subnet.id, IpAddress: '172.31.16.200' })) as any
    expect(e.name).toBe('IpAddressInUse')
    expect(e.$metadata.httpStatusCode).toBe(409)
  })

  it('fails with MountTargetConflict for a second mount target in one zone', async () => {
    const fsId = await fileSystem('conflict')
    await t.efs.send('CreateMountTarget', { FileSystemId: fsId, SubnetId: subnets().c.id })
    const e = await failure(t.efs.send('CreateMountTarget', { FileSystemId: fsId, SubnetId: subnets().c.id })) as any
    expect(e.name).toBe('MountTargetConflict')
    expect(e.message).toBe('mount target already exists in this AZ')
    expect(e.$metadata.httpStatusCode).toBe(409)
  })

  it('fails with SubnetNotFound for a subnet the account does not have', async () => {
    const fsId = await fileSystem('no-subnet')
    const e = await failure(t.efs.send('CreateMountTarget', { FileSystemId: fsId, SubnetId: 'subnet-0123456789abcdef0' })) as any
    expect(e.name).toBe('SubnetNotFound')
    expect(e.$metadata.httpStatusCode).toBe(400)
  })

  it('fails with AvailabilityZonesMismatch for a One Zone file system in another zone', async () => {
    const fsId = await fileSystem('one-zone', { AvailabilityZoneName: 'us-east-1a' })
    const e = await failure(t.efs.send('CreateMountTarget', { FileSystemId: fsId, SubnetId: subnets().b.id }))
    expect(e.name).toBe('AvailabilityZonesMismatch')
  })

  it('fails with SecurityGroupNotFound for a group that does not exist', async () => {
    const fsId = await fileSystem('no-group')
    const e = await failure(t.efs.send('CreateMountTarget', {
      FileSystemId: fsId, SubnetId: subnets().a.id, SecurityGroups: ['sg-0123456789abcdef0']
    }))
    expect(e.name).toBe('SecurityGroupNotFound')
  })
})

describe('DescribeMountTargets', () => {
  it('finds by file system, by id and by access point', async () => {
    const fsId = await fileSystem('describe-mt')
    const mt = await t.efs.send('CreateMountTarget', { FileSystemId: fsId, SubnetId: subnets().d.id })
    const ap = await t.efs.send('CreateAccessPoint', { ClientToken: 'describe-mt', FileSystemId: fsId })
    for (const query of [{ FileSystemId: fsId }, { MountTargetId: mt.MountTargetId }, { AccessPointId: ap.AccessPointId }]) {
      const out = await t.efs.send('DescribeMountTargets', query)
      expect(out.MountTargets).toEqual([{ ...mt, LifeCycleState: 'available', $metadata: undefined }].map(({ $metadata, ...m }) => m))
    }
  })

  it('fails with MountTargetNotFound for an id that does not exist', async () => {
    const e = await failure(t.efs.send('DescribeMountTargets', { MountTargetId: 'fsmt-0123456789abcdef0' })) as any
    expect(e.name).toBe('MountTargetNotFound')
    expect(e.$metadata.httpStatusCode).toBe(404)
  })

  it('fails with BadRequest without a file system, mount target or access point', async () => {
    expect((await failure(t.efs.send('DescribeMountTargets'))).name).toBe('BadRequest')
  })
})

describe('ModifyMountTargetSecurityGroups', () => {
  it('replaces the groups of the mount target\'s interface', async () => {
    const fsId = await fileSystem('modify-groups')
    const subnet = subnets().e
    const mt = await t.efs.send('CreateMountTarget', { FileSystemId: fsId, SubnetId: subnet.id })
    const created = await ec2Call(t.emu.url, 'CreateSecurityGroup', { GroupName: 'nfs', GroupDescription: 'nfs', VpcId: subnet.vpcId })
    expect(created.status, created.text).toBe(200)
    const groupId = created.body.groupId
    const out = await t.efs.send('ModifyMountTargetSecurityGroups', { MountTargetId: mt.MountTargetId, SecurityGroups: [groupId] })
    expect(out.$metadata.httpStatusCode).toBe(204)
    const groups = await t.efs.send('DescribeMountTargetSecurityGroups', { MountTargetId: mt.MountTargetId })
    expect(groups.SecurityGroups).toEqual([groupId])
  })
})

describe('DeleteMountTarget', () => {
  it('deletes the mount target and its interface; then the file system can be deleted', async () => {
    const fsId = await fileSystem('delete-mt')
    const mt = await t.efs.send('CreateMountTarget', { FileSystemId: fsId, SubnetId: subnets().f.id })
    const inUse = await failure(t.efs.send('DeleteFileSystem', { FileSystemId: fsId })) as any
    expect(inUse.name).toBe('FileSystemInUse')
    expect(inUse.message).toBe(`The file system '${fsId}' cannot be deleted because it has mount targets. You must delete the mount targets, and then try again.`)
    expect(inUse.$metadata.httpStatusCode).toBe(409)

    const out = await t.efs.send('DeleteMountTarget', { MountTargetId: mt.MountTargetId })
    expect(out.$metadata.httpStatusCode).toBe(204)
    const eni = await ec2Call(t.emu.url, 'DescribeNetworkInterfaces', { 'NetworkInterfaceId.1': mt.NetworkInterfaceId })
    expect(eni.code).toBe('InvalidNetworkInterfaceID.NotFound')
    expect((await failure(t.efs.send('DeleteMountTarget', { MountTargetId: mt.MountTargetId }))).name).toBe('MountTargetNotFound')
    await t.efs.send('DeleteFileSystem', { FileSystemId: fsId })
  })
})
