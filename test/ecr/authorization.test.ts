import { describe, expect, it } from 'vitest'
import {
  BatchGetImageCommand, CreateRepositoryCommand, DescribeRepositoriesCommand,
  GetAuthorizationTokenCommand, SetRepositoryPolicyCommand
} from '@aws-sdk/client-ecr'
import { AttachRolePolicyCommand, CreateRoleCommand } from '@aws-sdk/client-iam'
import { AssumeRoleCommand } from '@aws-sdk/client-sts'
import { useEmulator } from '../support/emulator.js'
import {
  ACCOUNT, allowPolicy, credentialsOf, failure, policyDocument, trustAccount, userWithKey
} from '../support/fixtures.js'

const t = useEmulator()

const EXECUTION_POLICY = 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy'
const ROLE = `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`
const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/ecsTaskExecutionRole/task`
const arn = (name: string) => `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/${name}`
const user = (name: string) => `arn:aws:iam::${ACCOUNT}:user/${name}`

async function executionRoleClients () {
  await t.iam.send(new CreateRoleCommand({ RoleName: 'ecsTaskExecutionRole', AssumeRolePolicyDocument: trustAccount() }))
  await t.iam.send(new AttachRolePolicyCommand({ RoleName: 'ecsTaskExecutionRole', PolicyArn: EXECUTION_POLICY }))
  const dev = await userWithKey(t.iam, 'dev', allowPolicy('sts:AssumeRole', ROLE))
  const { Credentials } = await t.emu.clients(dev).sts.send(new AssumeRoleCommand({
    RoleArn: ROLE, RoleSessionName: 'task'
  }))
  return t.emu.clients(credentialsOf(Credentials!))
}

describe('AmazonECSTaskExecutionRolePolicy', () => {
  it('lets a role get a token and pull, but not create a repository', async () => {
    await t.ecr.send(new CreateRepositoryCommand({ repositoryName: 'pulled' }))
    const role = await executionRoleClients()

    const { authorizationData } = await role.ecr.send(new GetAuthorizationTokenCommand({}))
    const password = Buffer.from(authorizationData![0].authorizationToken!, 'base64').toString().slice(4)
    const stored = t.emu.emulator.repositories.findToken(password, Date.now() / 1000)
    expect(stored?.principalArn).toBe(SESSION)
    const out = await role.ecr.send(new BatchGetImageCommand({ repositoryName: 'pulled', imageIds: [{ imageTag: 'latest' }] }))
    expect(out.images).toEqual([])

    const e = await failure(role.ecr.send(new CreateRepositoryCommand({ repositoryName: 'mine' })))
    expect(e.name).toBe('AccessDeniedException')
    expect(e.message).toBe(`User: ${SESSION} is not authorized to perform: ecr:CreateRepository on resource: ${arn('mine')} because no identity-based policy allows the ecr:CreateRepository action`)
  })
})

describe('GetAuthorizationToken', () => {
  it('is authorized on * and denied without a policy', async () => {
    const nobody = t.emu.clients(await userWithKey(t.iam, 'nobody')).ecr
    const e = await failure(nobody.send(new GetAuthorizationTokenCommand({})))
    expect(e.name).toBe('AccessDeniedException')
    expect(e.message).toBe(`User: ${user('nobody')} is not authorized to perform: ecr:GetAuthorizationToken on resource: * because no identity-based policy allows the ecr:GetAuthorizationToken action`)
  })
})

describe('SetRepositoryPolicy', () => {
  it('denies BatchGetImage with an explicit deny in the repository policy', async () => {
    await t.ecr.send(new CreateRepositoryCommand({ repositoryName: 'guarded' }))
    const puller = t.emu.clients(await userWithKey(t.iam, 'puller', allowPolicy('ecr:BatchGetImage'))).ecr
    await puller.send(new BatchGetImageCommand({ repositoryName: 'guarded', imageIds: [{ imageTag: 'latest' }] }))

    await t.ecr.send(new SetRepositoryPolicyCommand({
      repositoryName: 'guarded',
      policyText: policyDocument({ Effect: 'Deny', Principal: { AWS: user('puller') }, Action: 'ecr:BatchGetImage' })
    }))
    const e = await failure(puller.send(new BatchGetImageCommand({ repositoryName: 'guarded', imageIds: [{ imageTag: 'latest' }] })))
    expect(e.name).toBe('AccessDeniedException')
    expect(e.message).toBe(`User: ${user('puller')} is not authorized to perform: ecr:BatchGetImage on resource: ${arn('guarded')} with an explicit deny in a resource-based policy`)
  })

  it('lets the repository policy alone allow a principal of the account', async () => {
    await t.ecr.send(new CreateRepositoryCommand({ repositoryName: 'shared' }))
    const reader = t.emu.clients(await userWithKey(t.iam, 'reader')).ecr
    const denied = await failure(reader.send(new BatchGetImageCommand({ repositoryName: 'shared', imageIds: [{ imageTag: 'x' }] })))
    expect(denied.message).toBe(`User: ${user('reader')} is not authorized to perform: ecr:BatchGetImage on resource: ${arn('shared')} because no identity-based policy allows the ecr:BatchGetImage action`)

    await t.ecr.send(new SetRepositoryPolicyCommand({
      repositoryName: 'shared',
      policyText: policyDocument({ Effect: 'Allow', Principal: { AWS: user('reader') }, Action: 'ecr:BatchGetImage' })
    }))
    const out = await reader.send(new BatchGetImageCommand({ repositoryName: 'shared', imageIds: [{ imageTag: 'x' }] }))
    expect(out.failures).toHaveLength(1)
  })
})

describe('CreateRepository', () => {
  it('checks aws:RequestTag and aws:TagKeys, and ecr:TagResource for the tags', async () => {
    const policy = policyDocument({
      Effect: 'Allow', Action: ['ecr:CreateRepository', 'ecr:TagResource'], Resource: '*',
      Condition: { StringEquals: { 'aws:RequestTag/team': 'web' }, 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team'] } }
    })
    const creator = t.emu.clients(await userWithKey(t.iam, 'creator', policy)).ecr
    await creator.send(new CreateRepositoryCommand({ repositoryName: 'tagged', tags: [{ Key: 'team', Value: 'web' }] }))
    const e = await failure(creator.send(new CreateRepositoryCommand({ repositoryName: 'other', tags: [{ Key: 'team', Value: 'api' }] })))
    expect(e.name).toBe('AccessDeniedException')
    expect(e.message).toBe(`User: ${user('creator')} is not authorized to perform: ecr:CreateRepository on resource: ${arn('other')} because no identity-based policy allows the ecr:CreateRepository action`)
  })
})

describe('DescribeRepositories', () => {
  it('checks aws:ResourceTag on a named repository', async () => {
    const policy = policyDocument({
      Effect: 'Allow', Action: 'ecr:DescribeRepositories', Resource: '*',
      Condition: { StringEquals: { 'aws:ResourceTag/team': 'web' } }
    })
    const viewer = t.emu.clients(await userWithKey(t.iam, 'viewer', policy)).ecr
    const { repositories } = await viewer.send(new DescribeRepositoriesCommand({ repositoryNames: ['tagged'] }))
    expect(repositories!.map(r => r.repositoryName)).toEqual(['tagged'])
    const e = await failure(viewer.send(new DescribeRepositoriesCommand({ repositoryNames: ['pulled'] })))
    expect(e.name).toBe('AccessDeniedException')
    expect(e.message).toBe(`User: ${user('viewer')} is not authorized to perform: ecr:DescribeRepositories on resource: ${arn('pulled')} because no identity-based policy allows the ecr:DescribeRepositories action`)
  })
})
