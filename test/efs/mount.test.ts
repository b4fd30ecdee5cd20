import { statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { SignatureV4 } from '@smithy/signature-v4'
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam'
import { AssumeRoleCommand } from '@aws-sdk/client-sts'
import { describe, expect, it } from 'vitest'
import { Sha256 } from '../../api/sigv4.js'
import { ensureDefaultVpc, type SubnetRecord } from '../../src/ec2/network.js'
import type { TaskRecord } from '../../src/ecs/task.js'
import { useEmulator, type Credentials } from '../support/emulator.js'
import { ACCOUNT, allowPolicy, credentialsOf, policyDocument, trustAccount, userWithKey } from '../support/fixtures.js'

const t = useEmulator()

const SCOPE = { account: ACCOUNT, region: 'us-east-1' }
const fsArn = (id: string) => `arn:aws:elasticfilesystem:us-east-1:${ACCOUNT}:file-system/${id}`
const UTILS = 'ResourceInitializationError: failed to invoke EFS utils commands to set up EFS volumes: stderr: '
const resolveFailure = (id: string) => `${UTILS}Failed to resolve "${id}.efs.us-east-1.amazonaws.com" - check that your file system ID is correct, and ensure that the VPC has an EFS mount target for this file system ID. See https://docs.aws.amazon.com/console/efs/mount-dns-name for more detail. Attempting to lookup mount target ip address using botocore. Failed to import necessary dependency botocore, please install botocore first. : unsuccessful EFS utils command execution; code: 1`
const accessDenied = (path: string) => `${UTILS}b'mount.nfs4: access denied by server while mounting 127.0.0.1:${path}' : unsuccessful EFS utils command execution; code: 32`

interface Answer { status: number, body: any }

/** `POST /_emulator/efs/mount`, signed for elasticfilesystem when credentials are given. */
async function mount (request: Record<string, unknown>, credentials?: Credentials): Promise<Answer> {
  const u = new URL(t.emu.url)
  const body = JSON.stringify(request)
  let headers: Record<string, string> = { host: u.host, 'content-type': 'application/json' }
  if (credentials !== undefined) {
    const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 'elasticfilesystem', sha256: Sha256 })
    const signed = await signer.sign({
      method: 'POST', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: '/_emulator/efs/mount',
      query: {}, headers, body
    })
    headers = signed.headers as Record<string, string>
  }
  const res = await fetch(`${t.emu.url}/_emulator/efs/mount`, { method: 'POST', headers, body })
  return { status: res.status, body: await res.json() }
}

function subnet (zone: string): SubnetRecord {
  const store = t.emu.emulator.ec2.store
  ensureDefaultVpc(store, SCOPE)
  return store.resources<SubnetRecord>(SCOPE, 'subnet').find(s => s.defaultForAz && s.availabilityZone === `us-east-1${zone}`)!
}

/** A file system with a mount target in zone a. */
async function mountable (token: string): Promise<string> {
  const id = (await t.efs.send('CreateFileSystem', { CreationToken: token })).FileSystemId
  await t.efs.send('CreateMountTarget', { FileSystemId: id, SubnetId: subnet('a').id })
  return id
}

/** Credentials of a session of role `name` (trusting the account), with an inline policy or none. */
async function roleSession (name: string, policy?: string): Promise<Credentials> {
  await t.iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trustAccount() }))
  if (policy !== undefined) {
    await t.iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'efs', PolicyDocument: policy }))
  }
  const user = await userWithKey(t.iam, `${name}-user`, allowPolicy('sts:AssumeRole'))
  const { Credentials } = await t.emu.clients(user).sts.send(new AssumeRoleCommand({
    RoleArn: `arn:aws:iam::${ACCOUNT}:role/${name}`, RoleSessionName: 'task'
  }))
  return credentialsOf(Credentials!)
}

/** An awsvpc task whose interface is in `subnetId`, as RunTask keeps it. */
function task (id: string, subnetId: string): string {
  const taskArn = `arn:aws:ecs:us-east-1:${ACCOUNT}:task/efs/${id}`
  t.emu.emulator.ecs.tasks.create({
    ...SCOPE, cluster: 'efs', id, taskArn, family: 'app', group: 'family:app', desiredStatus: 'RUNNING',
    lastStatus: 'PROVISIONING', launchType: 'FARGATE', networkMode: 'awsvpc',
    attachments: [{ id: 'a', type: 'ElasticNetworkInterface', status: 'ATTACHED', details: [{ name: 'subnetId', value: subnetId }] }]
  } as unknown as TaskRecord)
  return taskArn
}

describe('POST /_emulator/efs/mount', () => {
  it('answers the file system\'s directory, which keeps what is written to it', async () => {
    const id = await mountable('mount-ok')
    const res = await mount({ fileSystemId: id })
    expect(res).toEqual({ status: 200, body: { hostPath: expect.any(String), readOnly: false, rootSquash: false } })
    expect(statSync(res.body.hostPath).isDirectory()).toBe(true)
    writeFileSync(join(res.body.hostPath, 'hello.txt'), 'hello')
    const again = await mount({ fileSystemId: fsArn(id), readOnly: true })
    expect(again.body).toEqual({ hostPath: res.body.hostPath, readOnly: true, rootSquash: false })
    const { FileSystems } = await t.efs.send('DescribeFileSystems', { FileSystemId: id })
    expect(FileSystems[0].SizeInBytes.Value).toBe(6144 + 5)
  })

  it('fails with ECS\'s resolve failure for a file system that does not exist', async () => {
    const res = await mount({ fileSystemId: 'fs-0123456789abcdef0' })
    expect(res).toEqual({ status: 404, body: { reason: resolveFailure('fs-0123456789abcdef0') } })
  })

  it('fails with the resolve failure when no mount target serves the task\'s zone', async () => {
    const id = (await t.efs.send('CreateFileSystem', { CreationToken: 'mount-no-target' })).FileSystemId
    expect((await mount({ fileSystemId: id })).body.reason).toBe(resolveFailure(id))
    await t.efs.send('CreateMountTarget', { FileSystemId: id, SubnetId: subnet('a').id })
    const taskArn = task('b0000000000000000000000000000001', subnet('b').id)
    expect(await mount({ fileSystemId: id, taskArn })).toEqual({ status: 404, body: { reason: resolveFailure(id) } })
    await t.efs.send('CreateMountTarget', { FileSystemId: id, SubnetId: subnet('b').id })
    expect((await mount({ fileSystemId: id, taskArn })).status).toBe(200)
  })

  it('mounts a directory of the file system, and fails for one it does not have', async () => {
    const id = await mountable('mount-dir')
    const root = (await mount({ fileSystemId: id })).body.hostPath
    const res = await mount({ fileSystemId: id, rootDirectory: '/missing' })
    expect(res.status).toBe(400)
    expect(res.body.reason).toBe(`${UTILS}b'mount.nfs4: mounting 127.0.0.1:/missing failed, reason given by server: No such file or directory' : unsuccessful EFS utils command execution; code: 32`)
    expect((await mount({ fileSystemId: id, rootDirectory: '/../..' })).status).toBe(400)
    const { mkdirSync } = await import('node:fs')
    mkdirSync(join(root, 'data'))
    expect((await mount({ fileSystemId: id, rootDirectory: '/data' })).body.hostPath).toBe(join(root, 'data'))
  })

  it('makes an access point\'s root directory with its permissions on the first mount', async () => {
    const id = await mountable('mount-ap')
    const ap = await t.efs.send('CreateAccessPoint', {
      ClientToken: 'mount-ap', FileSystemId: id, PosixUser: { Uid: 1000, Gid: 1000 },
      RootDirectory: { Path: '/apps/web', CreationInfo: { OwnerUid: 1000, OwnerGid: 1000, Permissions: '750' } }
    })
    const res = await mount({ fileSystemId: id, accessPointId: ap.AccessPointId })
    expect(res.status).toBe(200)
    expect(res.body.hostPath.endsWith(join(id, 'apps', 'web'))).toBe(true)
    const st = statSync(res.body.hostPath)
    expect(st.mode & 0o777).toBe(0o750)
    if (process.getuid?.() === 0) expect([st.uid, st.gid]).toEqual([1000, 1000])

    const bare = await t.efs.send('CreateAccessPoint', { ClientToken: 'mount-ap-bare', FileSystemId: id, RootDirectory: { Path: '/nowhere' } })
    expect((await mount({ fileSystemId: id, accessPointId: bare.AccessPointId })).status).toBe(400)
    const other = await mountable('mount-ap-other')
    expect(await mount({ fileSystemId: other, accessPointId: ap.AccessPointId })).toEqual({ status: 403, body: { reason: accessDenied('/') } })
  })

  it('answers 400 for a request that is not the contract\'s', async () => {
    expect((await mount({ iam: 'ENABLED' })).body).toEqual({ reason: 'fileSystemId is required' })
    expect((await mount({ fileSystemId: 'fs-0123456789abcdef0', iam: 'yes' })).status).toBe(400)
  })
})

describe('POST /_emulator/efs/mount with IAM authorization', () => {
  it('lets a task role in through the default file system policy, recording the decisions', async () => {
    const id = await mountable('iam-default')
    const role = await roleSession('efs-default-role')
    const taskArn = task('d0000000000000000000000000000001', subnet('a').id)
    const res = await mount({ fileSystemId: id, iam: 'ENABLED', transitEncryption: 'ENABLED', taskArn }, role)
    expect(res).toEqual({ status: 200, body: { hostPath: expect.any(String), readOnly: false, rootSquash: false } })
    const decisions = t.emu.emulator.decisions.query({ onBehalfOf: taskArn })
    expect(decisions.map(d => [d.action, d.decision])).toEqual(expect.arrayContaining([
      ['elasticfilesystem:ClientMount', 'Allow'], ['elasticfilesystem:ClientWrite', 'Allow'],
      ['elasticfilesystem:ClientRootAccess', 'Allow']
    ]))
    const clientMount = decisions.find(d => d.action === 'elasticfilesystem:ClientMount')!
    expect(clientMount).toMatchObject({
      principal: `arn:aws:sts::${ACCOUNT}:assumed-role/efs-default-role/task`, resource: fsArn(id)
    })
    expect(clientMount.context).toMatchObject({ 'elasticfilesystem:AccessedViaMountTarget': true, 'aws:SecureTransport': 'true' })
  })

  it('refuses a task role the file system policy does not let in, with the denied decision', async () => {
    const id = await mountable('iam-denied')
    await t.efs.send('PutFileSystemPolicy', {
      FileSystemId: id,
      Policy: policyDocument({
        Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/someone-else` },
        Action: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'], Resource: fsArn(id)
      })
    })
    const role = await roleSession('efs-denied-role')
    const taskArn = task('e0000000000000000000000000000001', subnet('a').id)
    const res = await mount({ fileSystemId: id, iam: 'ENABLED', taskArn }, role)
    expect(res.status).toBe(403)
    expect(res.body.reason).toBe(accessDenied('/'))
    const decision = t.emu.emulator.decisions.query({ onBehalfOf: taskArn })[0]
    expect(res.body.decisionId).toBe(decision.id)
    expect(decision).toMatchObject({
      action: 'elasticfilesystem:ClientMount', decision: 'ImplicitDeny', resource: fsArn(id),
      principal: `arn:aws:sts::${ACCOUNT}:assumed-role/efs-denied-role/task`
    })
  })

  it('lets in a role whose own policy allows ClientMount, read-only without ClientWrite', async () => {
    const id = await mountable('iam-identity')
    await t.efs.send('PutFileSystemPolicy', {
      FileSystemId: id,
      Policy: policyDocument({ Effect: 'Deny', Principal: { AWS: '*' }, Action: 'elasticfilesystem:ClientRootAccess', Resource: fsArn(id) })
    })
    const role = await roleSession('efs-reader', allowPolicy('elasticfilesystem:ClientMount', fsArn(id)))
    const ap = await t.efs.send('CreateAccessPoint', { ClientToken: 'iam-identity', FileSystemId: id })
    const res = await mount({ fileSystemId: id, iam: 'ENABLED', accessPointId: ap.AccessPointId }, role)
    expect(res.body).toEqual({ hostPath: expect.any(String), readOnly: true, rootSquash: true })
    const recorded = t.emu.emulator.decisions.query({ action: 'elasticfilesystem:ClientMount' })
      .find(d => d.principal.endsWith('efs-reader/task'))!
    expect(recorded.context['elasticfilesystem:AccessPointArn']).toBe(ap.AccessPointArn)
  })

  it('refuses an unsigned request, and one signed with a wrong secret', async () => {
    const id = await mountable('iam-unsigned')
    expect(await mount({ fileSystemId: id, iam: 'ENABLED' })).toEqual({ status: 403, body: { reason: accessDenied('/') } })
    const role = await roleSession('efs-wrong-secret')
    const res = await mount({ fileSystemId: id, iam: 'ENABLED' }, { ...role, secretAccessKey: 'wrong' })
    expect(res.status).toBe(403)
  })
})
