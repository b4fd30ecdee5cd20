import { describe, expect, it } from 'vitest'
import {
  AddRoleToInstanceProfileCommand, CreateInstanceProfileCommand, CreateRoleCommand, DeleteInstanceProfileCommand,
  GetInstanceProfileCommand, ListInstanceProfilesCommand, ListInstanceProfilesForRoleCommand,
  ListInstanceProfileTagsCommand, RemoveRoleFromInstanceProfileCommand, TagInstanceProfileCommand,
  UntagInstanceProfileCommand
} from '@aws-sdk/client-iam'
import { useEmulator } from '../support/emulator.js'
import { trustService } from '../support/fixtures.js'
import { decoded, unique } from './fixtures.js'

const t = useEmulator()

const EC2 = trustService('ec2.amazonaws.com')

async function role (name = unique('role')): Promise<string> {
  await t.iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: EC2 }))
  return name
}

async function profile (name = unique('profile'), path?: string): Promise<string> {
  await t.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: name, Path: path }))
  return name
}

describe('CreateInstanceProfile', () => {
  it('creates ecsInstanceRole with no roles', async () => {
    const out = await t.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: 'ecsInstanceRole', Tags: [{ Key: 'a', Value: 'b' }] }))
    expect(out.InstanceProfile).toMatchObject({
      InstanceProfileName: 'ecsInstanceRole', Path: '/', Roles: [],
      Arn: 'arn:aws:iam::000000000000:instance-profile/ecsInstanceRole', Tags: [{ Key: 'a', Value: 'b' }]
    })
    expect(out.InstanceProfile?.InstanceProfileId).toMatch(/^AIPA[A-Z2-7]{17}$/)
  })

  it('fails with EntityAlreadyExists when the name is taken', async () => {
    const name = await profile()
    await expect(t.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: name }))).rejects.toMatchObject({
      name: 'EntityAlreadyExistsException', message: `Instance Profile ${name} already exists.`
    })
  })
})

describe('AddRoleToInstanceProfile', () => {
  it('puts the role into the profile, where GetInstanceProfile shows it', async () => {
    const name = await profile()
    const r = await role()
    await t.iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: r }))
    const out = await t.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }))
    expect(out.InstanceProfile?.Roles?.map(x => x.RoleName)).toEqual([r])
    expect(decoded(out.InstanceProfile?.Roles?.[0].AssumeRolePolicyDocument)).toEqual(JSON.parse(EC2))
  })

  it('fails with LimitExceeded for a second role', async () => {
    const name = await profile()
    await t.iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: await role() }))
    await expect(t.iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: await role() })))
      .rejects.toMatchObject({
        name: 'LimitExceededException', message: 'Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1',
        $metadata: { httpStatusCode: 409 }
      })
  })

  it('fails with NoSuchEntity for a role that does not exist', async () => {
    const name = await profile()
    await expect(t.iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: 'nobody' })))
      .rejects.toMatchObject({ name: 'NoSuchEntityException', message: 'The role with name nobody cannot be found.' })
  })

  it('fails with NoSuchEntity for a profile that does not exist', async () => {
    await expect(t.iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: 'none', RoleName: await role() })))
      .rejects.toMatchObject({ name: 'NoSuchEntityException', message: 'Instance Profile none cannot be found.' })
  })
})

describe('RemoveRoleFromInstanceProfile', () => {
  it('takes the role out', async () => {
    const name = await profile()
    const r = await role()
    await t.iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: r }))
    await t.iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: name, RoleName: r }))
    expect((await t.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }))).InstanceProfile?.Roles).toEqual([])
  })

  it('fails with NoSuchEntity for a role not in the profile', async () => {
    const name = await profile()
    await expect(t.iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: name, RoleName: 'nobody' })))
      .rejects.toMatchObject({ name: 'NoSuchEntityException' })
  })
})

describe('GetInstanceProfile', () => {
  it('fails with NoSuchEntity when the profile is missing', async () => {
    await expect(t.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: 'none' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException', message: 'Instance Profile none cannot be found.', $metadata: { httpStatusCode: 404 }
    })
  })
})

describe('ListInstanceProfiles', () => {
  it('lists profiles under a path', async () => {
    const a = await profile('lip-a', '/lip/')
    const b = await profile('lip-b', '/lip/')
    const out = await t.iam.send(new ListInstanceProfilesCommand({ PathPrefix: '/lip/' }))
    expect(out.InstanceProfiles?.map(p => p.InstanceProfileName)).toEqual([a, b])
  })
})

describe('ListInstanceProfilesForRole', () => {
  it('lists the profiles holding the role', async () => {
    const name = await profile()
    const r = await role()
    await t.iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: r }))
    const out = await t.iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: r }))
    expect(out.InstanceProfiles?.map(p => p.InstanceProfileName)).toEqual([name])
  })

  it('fails with NoSuchEntity when the role is missing', async () => {
    await expect(t.iam.send(new ListInstanceProfilesForRoleCommand({ RoleName: 'nobody' }))).rejects.toMatchObject({
      name: 'NoSuchEntityException', message: 'The role with name nobody cannot be found.'
    })
  })
})

describe('DeleteInstanceProfile', () => {
  it('fails with DeleteConflict while it holds a role, then deletes', async () => {
    const name = await profile()
    const r = await role()
    await t.iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: r }))
    await expect(t.iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: name }))).rejects.toMatchObject({
      name: 'DeleteConflictException', message: 'Cannot delete entity, must remove roles from instance profile first.'
    })
    await t.iam.send(new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: name, RoleName: r }))
    await t.iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: name }))
    await expect(t.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }))).rejects.toMatchObject({ name: 'NoSuchEntityException' })
  })
})

describe('TagInstanceProfile', () => {
  it('tags, lists and untags', async () => {
    const name = await profile()
    await t.iam.send(new TagInstanceProfileCommand({ InstanceProfileName: name, Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '2' }] }))
    await t.iam.send(new UntagInstanceProfileCommand({ InstanceProfileName: name, TagKeys: ['b'] }))
    expect((await t.iam.send(new ListInstanceProfileTagsCommand({ InstanceProfileName: name }))).Tags).toEqual([{ Key: 'a', Value: '1' }])
  })

  it('fails with NoSuchEntity when the profile is missing', async () => {
    await expect(t.iam.send(new ListInstanceProfileTagsCommand({ InstanceProfileName: 'none' }))).rejects.toMatchObject({ name: 'NoSuchEntityException' })
    await expect(t.iam.send(new TagInstanceProfileCommand({ InstanceProfileName: 'none', Tags: [{ Key: 'a', Value: 'b' }] }))).rejects.toMatchObject({ name: 'NoSuchEntityException' })
    await expect(t.iam.send(new UntagInstanceProfileCommand({ InstanceProfileName: 'none', TagKeys: ['a'] }))).rejects.toMatchObject({ name: 'NoSuchEntityException' })
  })
})
