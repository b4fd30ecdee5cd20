import { describe, expect, it } from 'vitest'
import {
  CreateInstanceProfileCommand, CreateRoleCommand, GetRoleCommand, ListAttachedRolePoliciesCommand,
  GetInstanceProfileCommand, AddRoleToInstanceProfileCommand, DeleteRoleCommand, DetachRolePolicyCommand,
  RemoveRoleFromInstanceProfileCommand
} from '@aws-sdk/client-iam'
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts'
import { RegisterContainerInstanceCommand, DescribeContainerInstancesCommand, CreateClusterCommand } from '@aws-sdk/client-ecs'
import { startEmulator, useEmulator } from '../support/emulator.js'
import { ACCOUNT, credentialsOf, trustService } from '../support/fixtures.js'
import { ecsOptimizedAmi } from '../../src/ssm/parameter.js'
import { terminateInstance } from '../../src/ec2/launch.js'

const t = useEmulator()

interface Launched { instanceId: string, imdsEndpoint: string, region: string, availabilityZone: string }

async function launch (body: object): Promise<{ status: number, json: any }> {
  const res = await fetch(`${t.emu.url}/_emulator/instances`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body)
  })
  return { status: res.status, json: await res.json() }
}

async function launched (body: object): Promise<Launched> {
  const r = await launch(body)
  expect(r.status).toBe(200)
  return r.json as Launched
}

const imdsCredentials = (c: { AccessKeyId: string, SecretAccessKey: string, Token: string }) =>
  credentialsOf({ AccessKeyId: c.AccessKeyId, SecretAccessKey: c.SecretAccessKey, SessionToken: c.Token })

async function imds (base: string, path: string, headers: Record<string, string> = {}, method = 'GET') {
  const res = await fetch(base + path, { method, headers })
  return { status: res.status, text: await res.text(), headers: res.headers }
}

async function token (base: string, ttl = '21600'): Promise<string> {
  const r = await imds(base, '/latest/api/token', { 'x-aws-ec2-metadata-token-ttl-seconds': ttl }, 'PUT')
  expect(r.status).toBe(200)
  return r.text
}

describe('the built-in instance profile', () => {
  it('exists from the start: a role trusting EC2 with the ECS policy for EC2, in its profile', async () => {
    const role = await t.iam.send(new GetRoleCommand({ RoleName: 'ecs-emulator-instance-role' }))
    expect(decodeURIComponent(role.Role!.AssumeRolePolicyDocument!)).toContain('ec2.amazonaws.com')
    const attached = await t.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'ecs-emulator-instance-role' }))
    expect(attached.AttachedPolicies).toEqual([{
      PolicyName: 'AmazonEC2ContainerServiceforEC2Role',
      PolicyArn: 'arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role'
    }])
    const profile = await t.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'ecs-emulator-instance-profile' }))
    expect(profile.InstanceProfile!.Roles!.map(r => r.RoleName)).toEqual(['ecs-emulator-instance-role'])
  })

  it('is made again after a reset, and a changed one is left as the user changed it on restart', async () => {
    const emu = await startEmulator()
    try {
      const { iam } = emu.clients()
      await iam.send(new DetachRolePolicyCommand({
        RoleName: 'ecs-emulator-instance-role',
        PolicyArn: 'arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role'
      }))
      emu.emulator.reset()
      const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'ecs-emulator-instance-role' }))
      expect(attached.AttachedPolicies).toHaveLength(1)
    } finally {
      await emu.close()
    }
    expect(emu.violations).toEqual([])
  })
})

describe('POST /_emulator/instances', () => {
  it('launches an instance in the default subnet of the first zone, with its own IMDS', async () => {
    const r = await launched({ instanceProfile: 'ecs-emulator-instance-profile', cluster: 'web' })
    expect(r.instanceId).toMatch(/^i-[0-9a-f]{17}$/)
    expect(r.imdsEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    expect(r).toMatchObject({ region: 'us-east-1', availabilityZone: 'us-east-1a' })
    const instance = t.emu.emulator.ec2.store.instance({ account: ACCOUNT, region: 'us-east-1' }, r.instanceId)
    expect(instance).toMatchObject({
      state: 'running', imageId: ecsOptimizedAmi('us-east-1'), cluster: 'web',
      iamInstanceProfile: { name: 'ecs-emulator-instance-profile' }
    })
    expect(t.emu.emulator.ec2.metadata.endpointFor(r.instanceId)).toBe(r.imdsEndpoint)
  })

  it('gives back the same instance (and its IMDS) for the id of a running one', async () => {
    const first = await launched({ instanceProfile: 'ecs-emulator-instance-profile' })
    const again = await launched({ instanceId: first.instanceId })
    expect(again).toEqual(first)
  })

  it('opens the IMDS again when it was closed, possibly on another port', async () => {
    const first = await launched({ instanceProfile: 'ecs-emulator-instance-profile' })
    await t.emu.emulator.ec2.metadata.stop(first.instanceId)
    expect(t.emu.emulator.ec2.metadata.endpointFor(first.instanceId)).toBeUndefined()
    const again = await launched({ instanceId: first.instanceId })
    expect(again.instanceId).toBe(first.instanceId)
    expect((await imds(again.imdsEndpoint, '/latest/meta-data/instance-id')).text).toBe(first.instanceId)
  })

  it('launches a new instance in place of a terminated one', async () => {
    const first = await launched({ instanceProfile: 'ecs-emulator-instance-profile' })
    const emulator = t.emu.emulator
    terminateInstance(emulator, emulator.ec2.store.instanceById(first.instanceId)!, new Date())
    const again = await launched({ instanceId: first.instanceId, instanceProfile: 'ecs-emulator-instance-profile' })
    expect(again.instanceId).not.toBe(first.instanceId)
  })

  it('takes the id it is given when the control plane does not know it', async () => {
    const r = await launched({ instanceId: 'i-0123456789abcdef0' })
    expect(r.instanceId).toBe('i-0123456789abcdef0')
  })

  it('fails with 400 naming an instance profile that does not exist', async () => {
    const r = await launch({ instanceProfile: 'nope' })
    expect(r.status).toBe(400)
    expect(r.json).toEqual({
      error: 'InvalidParameterValue',
      message: 'Value (nope) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name'
    })
  })
})

describe('the instance metadata service', () => {
  it('serves the identity document with the fields of the real one', async () => {
    const r = await launched({ instanceProfile: 'ecs-emulator-instance-profile' })
    const doc = await imds(r.imdsEndpoint, '/latest/dynamic/instance-identity/document', { 'x-aws-ec2-metadata-token': await token(r.imdsEndpoint) })
    expect(doc.status).toBe(200)
    expect(doc.text).toMatch(/^\{\n {2}"accountId" : "000000000000",\n/)
    const parsed = JSON.parse(doc.text)
    expect(Object.keys(parsed)).toEqual(['accountId', 'architecture', 'availabilityZone', 'billingProducts',
      'devpayProductCodes', 'marketplaceProductCodes', 'imageId', 'instanceId', 'instanceType', 'kernelId',
      'pendingTime', 'privateIp', 'ramdiskId', 'region', 'version'])
    expect(parsed).toMatchObject({
      instanceId: r.instanceId, region: 'us-east-1', availabilityZone: 'us-east-1a',
      imageId: ecsOptimizedAmi('us-east-1'), billingProducts: null, version: '2017-09-30'
    })
    const signature = await imds(r.imdsEndpoint, '/latest/dynamic/instance-identity/signature')
    expect(signature.text).toMatch(/^[A-Za-z0-9+/=\n]+$/)
    expect((await imds(r.imdsEndpoint, '/latest/dynamic/instance-identity/')).text)
      .toBe('document\npkcs7\nrsa2048\nsignature')
  })

  it('answers the metadata paths an ECS agent reads', async () => {
    const r = await launched({ instanceProfile: 'ecs-emulator-instance-profile' })
    const get = async (p: string) => (await imds(r.imdsEndpoint, `/latest/meta-data/${p}`)).text
    expect(await get('instance-id')).toBe(r.instanceId)
    expect(await get('instance-type')).toMatch(/^c[56]g?\.large$/)
    expect(await get('ami-id')).toBe(ecsOptimizedAmi('us-east-1'))
    expect(await get('placement/availability-zone')).toBe('us-east-1a')
    expect(await get('placement/availability-zone-id')).toBe('use1-az1')
    expect(await get('placement/region')).toBe('us-east-1')
    const mac = await get('mac')
    expect(mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/)
    expect(await get(`network/interfaces/macs/${mac}/vpc-ipv4-cidr-block`)).toBe('172.31.0.0/16')
    expect(await get(`network/interfaces/macs/${mac}/subnet-ipv4-cidr-block`)).toBe('172.31.0.0/20')
    expect(await get(`network/interfaces/macs/${mac}/device-number`)).toBe('0')
    expect(await get(`network/interfaces/macs/${mac}/vpc-id`)).toMatch(/^vpc-/)
    expect(await get(`network/interfaces/macs/${mac}/subnet-id`)).toMatch(/^subnet-/)
    expect(await get('local-ipv4')).toMatch(/^\d+\.\d+\.\d+\.\d+$/)
    const listing = (await get('')).split('\n')
    expect(listing).toEqual(expect.arrayContaining(['ami-id', 'iam/', 'instance-id', 'network/', 'placement/']))
    expect((await imds(r.imdsEndpoint, '/latest/meta-data/outpost-arn')).status).toBe(404)
    expect((await imds(r.imdsEndpoint, '/latest/user-data')).status).toBe(404)
  })

  it('serves the user data it was launched with', async () => {
    const r = await launched({ cluster: 'batch' })
    const data = await imds(r.imdsEndpoint, '/latest/user-data')
    expect(data.text).toBe('#!/bin/bash\necho ECS_CLUSTER=batch >> /etc/ecs/ecs.config\n')
  })

  it('hands out credentials of the profile role, assumed by EC2 with the instance id as session', async () => {
    const r = await launched({ instanceProfile: 'ecs-emulator-instance-profile' })
    const info = JSON.parse((await imds(r.imdsEndpoint, '/latest/meta-data/iam/info')).text)
    expect(info).toMatchObject({ Code: 'Success', InstanceProfileArn: `arn:aws:iam::${ACCOUNT}:instance-profile/ecs-emulator-instance-profile` })
    expect(info.InstanceProfileId).toMatch(/^AIPA/)
    const roles = await imds(r.imdsEndpoint, '/latest/meta-data/iam/security-credentials/')
    expect(roles.text).toBe('ecs-emulator-instance-role')
    const text = (await imds(r.imdsEndpoint, '/latest/meta-data/iam/security-credentials/ecs-emulator-instance-role')).text
    const creds = JSON.parse(text)
    expect(Object.keys(creds)).toEqual(['Code', 'LastUpdated', 'Type', 'AccessKeyId', 'SecretAccessKey', 'Token', 'Expiration'])
    expect(creds).toMatchObject({ Code: 'Success', Type: 'AWS-HMAC' })
    expect(creds.Expiration).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    const me = await t.emu.clients(imdsCredentials(creds)).sts.send(new GetCallerIdentityCommand({}))
    expect(me.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/ecs-emulator-instance-role/${r.instanceId}`)
    const again = JSON.parse((await imds(r.imdsEndpoint, '/latest/meta-data/iam/security-credentials/ecs-emulator-instance-role')).text)
    expect(again.AccessKeyId).toBe(creds.AccessKeyId)
  })

  it('lets the instance role register a container instance with the identity document', async () => {
    await t.ecs.send(new CreateClusterCommand({ clusterName: 'joined' }))
    const r = await launched({ instanceProfile: 'ecs-emulator-instance-profile', cluster: 'joined' })
    const creds = JSON.parse((await imds(r.imdsEndpoint, '/latest/meta-data/iam/security-credentials/ecs-emulator-instance-role')).text)
    const doc = await imds(r.imdsEndpoint, '/latest/dynamic/instance-identity/document')
    const sig = await imds(r.imdsEndpoint, '/latest/dynamic/instance-identity/signature')
    const ecs = t.emu.clients(imdsCredentials(creds)).ecs
    const reg = await ecs.send(new RegisterContainerInstanceCommand({
      cluster: 'joined', instanceIdentityDocument: doc.text, instanceIdentityDocumentSignature: sig.text,
      totalResources: [{ name: 'CPU', type: 'INTEGER', integerValue: 2048 }, { name: 'MEMORY', type: 'INTEGER', integerValue: 3800 }]
    }))
    expect(reg.containerInstance!.ec2InstanceId).toBe(r.instanceId)

    const emulator = t.emu.emulator
    terminateInstance(emulator, emulator.ec2.store.instanceById(r.instanceId)!, new Date())
    const described = await t.ecs.send(new DescribeContainerInstancesCommand({
      cluster: 'joined', containerInstances: [reg.containerInstance!.containerInstanceArn!]
    }))
    expect(described.containerInstances![0].status).toBe('INACTIVE')
    expect(emulator.ec2.metadata.endpointFor(r.instanceId)).toBeUndefined()
  })

  it('answers AssumeRoleUnauthorizedAccess when the role does not trust EC2', async () => {
    await t.iam.send(new CreateRoleCommand({ RoleName: 'tasksOnly', AssumeRolePolicyDocument: trustService('ecs-tasks.amazonaws.com') }))
    await t.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'wrongTrust' }))
    await t.iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'wrongTrust', RoleName: 'tasksOnly' }))
    const r = await launched({ instanceProfile: 'wrongTrust' })
    const info = JSON.parse((await imds(r.imdsEndpoint, '/latest/meta-data/iam/info')).text)
    expect(info.Code).toBe('AssumeRoleUnauthorizedAccess')
    expect(info.Message).toBe('EC2 cannot assume the role tasksOnly.  Please see documentation at http://docs.amazonwebservices.com/IAM/latest/UserGuide/RolesTroubleshooting.html.')
    const creds = JSON.parse((await imds(r.imdsEndpoint, '/latest/meta-data/iam/security-credentials/tasksOnly')).text)
    expect(creds.Code).toBe('AssumeRoleUnauthorizedAccess')
    expect(creds.AccessKeyId).toBeUndefined()
  })

  it('lists no role when the profile has none any more, and has no iam/ without a profile', async () => {
    await t.iam.send(new CreateRoleCommand({ RoleName: 'brief', AssumeRolePolicyDocument: trustService('ec2.amazonaws.com') }))
    await t.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'emptied' }))
    await t.iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'emptied', RoleName: 'brief' }))
    const r = await launched({ instanceProfile: 'emptied' })
    await t.iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: 'emptied', RoleName: 'brief' }))
    await t.iam.send(new DeleteRoleCommand({ RoleName: 'brief' }))
    expect((await imds(r.imdsEndpoint, '/latest/meta-data/iam/security-credentials/')).text).toBe('')
    const bare = await launched({})
    expect((await imds(bare.imdsEndpoint, '/latest/meta-data/iam/')).status).toBe(404)
    expect((await imds(bare.imdsEndpoint, '/latest/meta-data/iam/info')).status).toBe(404)
  })

  it('requires a TTL for a token, refuses proxied token requests and unknown tokens', async () => {
    const r = await launched({})
    expect((await imds(r.imdsEndpoint, '/latest/api/token', {}, 'PUT')).status).toBe(400)
    expect((await imds(r.imdsEndpoint, '/latest/api/token', { 'x-aws-ec2-metadata-token-ttl-seconds': '21601' }, 'PUT')).status).toBe(400)
    expect((await imds(r.imdsEndpoint, '/latest/api/token', {
      'x-aws-ec2-metadata-token-ttl-seconds': '60', 'x-forwarded-for': '10.0.0.1'
    }, 'PUT')).status).toBe(403)
    const bad = await imds(r.imdsEndpoint, '/latest/meta-data/instance-id', { 'x-aws-ec2-metadata-token': 'nope' })
    expect(bad.status).toBe(401)
    expect(bad.text).toContain('<title>401 - Unauthorized</title>')
    const put = await imds(r.imdsEndpoint, '/latest/api/token', { 'x-aws-ec2-metadata-token-ttl-seconds': '60' }, 'PUT')
    expect(put.headers.get('x-aws-ec2-metadata-token-ttl-seconds')).toBe('60')
  })

  it('requires a token when the instance says HttpTokens required', async () => {
    const r = await launched({})
    const emulator = t.emu.emulator
    const instance = emulator.ec2.store.instanceById(r.instanceId)!
    emulator.ec2.store.saveInstance({ ...instance, metadataOptions: { ...instance.metadataOptions, httpTokens: 'required' } })
    expect((await imds(r.imdsEndpoint, '/latest/meta-data/instance-id')).status).toBe(401)
    const ok = await imds(r.imdsEndpoint, '/latest/meta-data/instance-id', { 'x-aws-ec2-metadata-token': await token(r.imdsEndpoint) })
    expect(ok.text).toBe(r.instanceId)
  })

  it('keeps instances across a restart and opens their IMDS again when asked', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const dir = mkdtempSync(join(tmpdir(), 'ec2-restart-'))
    try {
      const first = await startEmulator({ dataDir: dir })
      const res = await fetch(`${first.url}/_emulator/instances`, { method: 'POST', body: JSON.stringify({ instanceProfile: 'ecs-emulator-instance-profile' }), headers: { 'content-type': 'application/json' } })
      const before = await res.json() as Launched
      await first.close()
      const second = await startEmulator({ dataDir: dir })
      try {
        expect(second.emulator.ec2.metadata.endpointFor(before.instanceId)).toBeUndefined()
        const res2 = await fetch(`${second.url}/_emulator/instances`, { method: 'POST', body: JSON.stringify({ instanceId: before.instanceId }), headers: { 'content-type': 'application/json' } })
        const after = await res2.json() as Launched
        expect(after.instanceId).toBe(before.instanceId)
        const id = await fetch(`${after.imdsEndpoint}/latest/meta-data/instance-id`)
        expect(await id.text()).toBe(before.instanceId)
      } finally {
        await second.close()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('instance credentials', () => {
  it('are renewed a quarter of an hour before they expire, and kept until then', async () => {
    const r = await launched({ instanceProfile: 'ecs-emulator-instance-profile' })
    const emulator = t.emu.emulator
    const instance = emulator.ec2.store.instanceById(r.instanceId)!
    const now = new Date()
    const first = emulator.ec2.metadata.credentials.for(instance, now)
    if (first.kind !== 'ok') throw new Error('expected credentials')
    const expiresMs = first.session.expiration * 1000
    const later = emulator.ec2.metadata.credentials.for(instance, new Date(expiresMs - 16 * 60 * 1000))
    expect(later.kind === 'ok' && later.session.accessKeyId).toBe(first.session.accessKeyId)
    const renewed = emulator.ec2.metadata.credentials.for(instance, new Date(expiresMs - 14 * 60 * 1000))
    expect(renewed.kind === 'ok' && renewed.session.accessKeyId).not.toBe(first.session.accessKeyId)
  })

  it('are assumed again after a reset wiped the sessions', async () => {
    const emu = await startEmulator()
    try {
      const res = await fetch(`${emu.url}/_emulator/instances`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instanceProfile: 'ecs-emulator-instance-profile' }) })
      const { instanceId, imdsEndpoint } = await res.json() as Launched
      const read = async () => JSON.parse(await (await fetch(`${imdsEndpoint}/latest/meta-data/iam/security-credentials/ecs-emulator-instance-role`)).text())
      const before = await read()
      emu.emulator.reset()
      const again = await fetch(`${emu.url}/_emulator/instances`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ instanceId, instanceProfile: 'ecs-emulator-instance-profile' }) })
      expect((await again.json() as Launched).instanceId).toBe(instanceId)
      const after = await read()
      expect(after.AccessKeyId).not.toBe(before.AccessKeyId)
      const me = await emu.clients(imdsCredentials(after)).sts.send(new GetCallerIdentityCommand({}))
      expect(me.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/ecs-emulator-instance-role/${instanceId}`)
    } finally {
      await emu.close()
    }
    expect(emu.violations).toEqual([])
  })
})
