/**
 * EFS volumes at task start-up: the engine asks the control plane to mount each one
 * (`POST /_emulator/efs/mount`, signed as the task role with IAM authorization), bind-mounts
 * the file system's directory, and stops the task with the mount's own text when it fails.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AcsTask, AcsVolume } from '../../agent/acs-task.js'
import { DOCKER_SKIP, ensureImages, hasDocker } from '../support/docker.js'
import { ACCOUNT, policyDocument } from '../support/fixtures.js'
import { ec2Ok, filters, items } from '../ec2/client.js'
import {
  acsTask, container, containersOf, makeRole, outputOf, reported, sessionOf, startHarness, taskIdOf,
  type Harness
} from './engine-harness.js'

const UTILS = 'ResourceInitializationError: failed to invoke EFS utils commands to set up EFS volumes: stderr: '
const resolveFailure = (id: string) => `${UTILS}Failed to resolve "${id}.efs.us-east-1.amazonaws.com" - check that your file system ID is correct, and ensure that the VPC has an EFS mount target for this file system ID. See https://docs.aws.amazon.com/console/efs/mount-dns-name for more detail. Attempting to lookup mount target ip address using botocore. Failed to import necessary dependency botocore, please install botocore first. : unsuccessful EFS utils command execution; code: 1`
const accessDenied = (path: string) => `${UTILS}b'mount.nfs4: access denied by server while mounting 127.0.0.1:${path}' : unsuccessful EFS utils command execution; code: 32`
const fsArn = (id: string) => `arn:aws:elasticfilesystem:us-east-1:${ACCOUNT}:file-system/${id}`

const efsVolume = (fileSystemId: string, more: Partial<NonNullable<AcsVolume['efsVolumeConfiguration']>> = {}): AcsVolume =>
  ({ name: 'data', type: 'efs', efsVolumeConfiguration: { fileSystemId, ...more } })

/** A one-container task mounting volume `data` at /mnt/efs and running `script`. */
const efsTask = (volume: AcsVolume, script: string, readOnly = false): AcsTask => acsTask({
  volumes: [volume],
  containers: [container('app', {
    command: ['sh', '-c', script],
    mountPoints: [{ sourceVolume: 'data', containerPath: '/mnt/efs', readOnly }]
  })]
})

describe.skipIf(!hasDocker)(`task engine EFS volumes${DOCKER_SKIP}`, () => {
  let h: Harness
  let subnetId: string

  const efs = () => h.emu.clients().efs
  const directory = (id: string): string => h.emu.emulator.efs.storage.directory(id)

  /** A file system with a mount target in a default subnet. */
  async function fileSystem (token: string): Promise<string> {
    const id = (await efs().send('CreateFileSystem', { CreationToken: token })).FileSystemId as string
    await efs().send('CreateMountTarget', { FileSystemId: id, SubnetId: subnetId })
    return id
  }

  /** The task with a session of `roleArn` as its task role. */
  const withTaskRole = (task: AcsTask, roleArn: string): AcsTask =>
    ({ ...task, roleCredentials: sessionOf(h.emu, roleArn, taskIdOf(task), 'TaskApplication') })

  /** A policy that lets only some other role in: the task role gets no grant from it. */
  const someoneElse = async (id: string): Promise<void> => {
    await efs().send('PutFileSystemPolicy', {
      FileSystemId: id,
      Policy: policyDocument({
        Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/someone-else` },
        Action: ['elasticfilesystem:ClientMount', 'elasticfilesystem:ClientWrite'], Resource: fsArn(id)
      })
    })
  }

  beforeAll(async () => {
    await ensureImages()
    h = await startHarness('engine-efs')
    const subnets = await ec2Ok(h.emu.url, 'DescribeSubnets', filters(['default-for-az', ['true']], ['availability-zone', ['us-east-1a']]))
    subnetId = items(subnets.subnetSet)[0].subnetId
  }, 60_000)

  afterAll(async () => {
    await h?.close()
  }, 60_000)

  it('mounts the file system: what the task writes lands in its directory', async () => {
    const id = await fileSystem('engine-efs-write')
    const task = efsTask(efsVolume(id), 'echo written-by-task > /mnt/efs/out.txt')
    h.engine.apply(task)

    const stopped = await reported(h, task, 'STOPPED')
    expect(stopped.containers[0]).toMatchObject({ status: 'STOPPED', exitCode: 0 })
    expect(readFileSync(join(directory(id), 'out.txt'), 'utf8')).toBe('written-by-task\n')
  })

  it('mounts the volume\'s rootDirectory, read-only when every mount point is', async () => {
    const id = await fileSystem('engine-efs-root')
    mkdirSync(join(directory(id), 'config'))
    writeFileSync(join(directory(id), 'config', 'seed.txt'), 'seeded')
    const task = efsTask(efsVolume(id, { rootDirectory: '/config' }),
      'cat /mnt/efs/seed.txt; echo; echo x > /mnt/efs/new.txt 2>/dev/null && echo wrote || echo read-only', true)
    h.engine.apply(task)

    const stopped = await reported(h, task, 'STOPPED')
    expect(await outputOf(stopped.containers[0].runtimeId!, 'stdout')).toBe('seeded\nread-only\n')
  })

  it('stops the task before it runs, with the mount helper\'s text, when the file system does not exist', async () => {
    const task = efsTask(efsVolume('fs-0123456789abcdef0'), 'echo never')
    h.engine.apply(task)

    const stopped = await reported(h, task, 'STOPPED')
    expect(stopped.reason).toBe(resolveFailure('fs-0123456789abcdef0'))
    expect(stopped.containers[0]).toMatchObject({ status: 'STOPPED', reason: resolveFailure('fs-0123456789abcdef0') })
    expect(h.reports.filter(r => r.taskArn === task.arn).map(r => r.status)).not.toContain('RUNNING')
    expect(await containersOf(task)).toEqual([])
  })

  it('fails a file system without a mount target with the same text', async () => {
    const id = (await efs().send('CreateFileSystem', { CreationToken: 'engine-efs-no-target' })).FileSystemId as string
    const task = efsTask(efsVolume(id), 'echo never')
    h.engine.apply(task)

    expect((await reported(h, task, 'STOPPED')).reason).toBe(resolveFailure(id))
  })

  it('with IAM authorization, refuses a task role without elasticfilesystem:ClientMount', async () => {
    const id = await fileSystem('engine-efs-iam-denied')
    await someoneElse(id)
    const role = await makeRole(h.emu, 'EfsNoClientMount', [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }])
    const task = withTaskRole(efsTask(efsVolume(id, {
      transitEncryption: 'ENABLED', authorizationConfig: { iam: 'ENABLED' }
    }), 'echo never'), role)
    h.engine.apply(task)

    const stopped = await reported(h, task, 'STOPPED')
    expect(stopped.reason).toBe(accessDenied('/'))
    expect(stopped.containers[0].reason).toBe(accessDenied('/'))
    const denied = h.emu.emulator.decisions.query({ onBehalfOf: task.arn })
    expect(denied[0]).toMatchObject({
      action: 'elasticfilesystem:ClientMount', decision: 'ImplicitDeny', resource: fsArn(id),
      principal: `arn:aws:sts::${ACCOUNT}:assumed-role/EfsNoClientMount/${taskIdOf(task)}`
    })
  })

  it('with IAM authorization, mounts read-only for a task role that may mount but not write', async () => {
    const id = await fileSystem('engine-efs-iam-reader')
    await someoneElse(id)
    writeFileSync(join(directory(id), 'seed.txt'), 'shared')
    const role = await makeRole(h.emu, 'EfsReader', [{ Effect: 'Allow', Action: 'elasticfilesystem:ClientMount', Resource: fsArn(id) }])
    const task = withTaskRole(efsTask(efsVolume(id, {
      transitEncryption: 'ENABLED', authorizationConfig: { iam: 'ENABLED' }
    }), 'cat /mnt/efs/seed.txt; echo; echo x > /mnt/efs/new.txt 2>/dev/null && echo wrote || echo read-only'), role)
    h.engine.apply(task)

    const stopped = await reported(h, task, 'STOPPED')
    expect(stopped.containers[0].exitCode).toBe(0)
    expect(await outputOf(stopped.containers[0].runtimeId!, 'stdout')).toBe('shared\nread-only\n')
  })

  it('mounts an access point at its root directory, made on first use', async () => {
    const id = await fileSystem('engine-efs-ap')
    const ap = await efs().send('CreateAccessPoint', {
      ClientToken: 'engine-efs-ap', FileSystemId: id, PosixUser: { Uid: 0, Gid: 0 },
      RootDirectory: { Path: '/apps/runner', CreationInfo: { OwnerUid: 0, OwnerGid: 0, Permissions: '755' } }
    })
    const task = efsTask(efsVolume(id, {
      transitEncryption: 'ENABLED', authorizationConfig: { accessPointId: ap.AccessPointId }
    }), 'echo through-access-point > /mnt/efs/ap.txt')
    h.engine.apply(task)

    const stopped = await reported(h, task, 'STOPPED')
    expect(stopped.containers[0].exitCode).toBe(0)
    expect(readFileSync(join(directory(id), 'apps', 'runner', 'ap.txt'), 'utf8')).toBe('through-access-point\n')
  })
})
