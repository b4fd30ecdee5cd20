import { describe, expect, it } from 'vitest'
import { CreateSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager'
import { GetParametersCommand, PutParameterCommand } from '@aws-sdk/client-ssm'
import { AttachRolePolicyCommand, CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam'
import { AssumeRoleCommand } from '@aws-sdk/client-sts'
import { useEmulator } from '../support/emulator.js'
import { ACCOUNT, allowPolicy, credentialsOf, failure, trustAccount, userWithKey } from '../support/fixtures.js'

const t = useEmulator()

const EXECUTION_POLICY = 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy'
const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/ecsTaskExecutionRole/task`
const PARAMETER = `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/prod/db-password`

async function executionRoleClients () {
  await t.iam.send(new CreateRoleCommand({ RoleName: 'ecsTaskExecutionRole', AssumeRolePolicyDocument: trustAccount() }))
  await t.iam.send(new AttachRolePolicyCommand({ RoleName: 'ecsTaskExecutionRole', PolicyArn: EXECUTION_POLICY }))
  const dev = await userWithKey(t.iam, 'dev', allowPolicy('sts:AssumeRole', `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`))
  const { Credentials } = await t.emu.clients(dev).sts.send(new AssumeRoleCommand({
    RoleArn: `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`, RoleSessionName: 'task'
  }))
  return t.emu.clients(credentialsOf(Credentials!))
}

describe('GetSecretValue', () => {
  it('is denied to a role with only AmazonECSTaskExecutionRolePolicy until an inline policy grants it', async () => {
    const { ARN: secret } = await t.secretsmanager.send(new CreateSecretCommand({ Name: 'prod/db', SecretString: 'pw' }))
    await t.ssm.send(new PutParameterCommand({ Name: '/prod/db-password', Value: 'pw', Type: 'SecureString' }))
    const role = await executionRoleClients()

    const denied = await failure(role.secretsmanager.send(new GetSecretValueCommand({ SecretId: secret })))
    expect(denied.name).toBe('AccessDeniedException')
    expect(denied.message).toBe(`User: ${SESSION} is not authorized to perform: secretsmanager:GetSecretValue on resource: ${secret} because no identity-based policy allows the secretsmanager:GetSecretValue action`)
    const ssmDenied = await failure(role.ssm.send(new GetParametersCommand({ Names: ['/prod/db-password'], WithDecryption: true })))
    expect(ssmDenied.name).toBe('AccessDeniedException')
    expect(ssmDenied.message).toBe(`User: ${SESSION} is not authorized to perform: ssm:GetParameters on resource: ${PARAMETER} because no identity-based policy allows the ssm:GetParameters action`)

    await t.iam.send(new PutRolePolicyCommand({
      RoleName: 'ecsTaskExecutionRole', PolicyName: 'secrets',
      PolicyDocument: allowPolicy(['ssm:GetParameters', 'secretsmanager:GetSecretValue'], [PARAMETER, secret!])
    }))
    const value = await role.secretsmanager.send(new GetSecretValueCommand({ SecretId: secret }))
    expect(value.SecretString).toBe('pw')
    const params = await role.ssm.send(new GetParametersCommand({ Names: ['/prod/db-password'], WithDecryption: true }))
    expect(params.Parameters!.map(p => p.Value)).toEqual(['pw'])
    expect(params.InvalidParameters).toEqual([])
  })
})

describe('GetSecretValue of a secret under a customer managed key', () => {
  it('takes kms:Decrypt on the key through Secrets Manager, and answers "Access to KMS is not allowed" without it', async () => {
    const key = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`
    const { ARN: secret } = await t.secretsmanager.send(new CreateSecretCommand({ Name: 'prod/cmk', SecretString: 'pw', KmsKeyId: key }))
    const { ARN: managed } = await t.secretsmanager.send(new CreateSecretCommand({ Name: 'prod/aws-key', SecretString: 'pw2', KmsKeyId: 'alias/aws/secretsmanager' }))
    await t.iam.send(new CreateRoleCommand({ RoleName: 'cmkReader', AssumeRolePolicyDocument: trustAccount() }))
    await t.iam.send(new PutRolePolicyCommand({ RoleName: 'cmkReader', PolicyName: 'read', PolicyDocument: allowPolicy('secretsmanager:GetSecretValue', [secret!, managed!]) }))
    const reader = await userWithKey(t.iam, 'cmk-dev', allowPolicy('sts:AssumeRole', `arn:aws:iam::${ACCOUNT}:role/cmkReader`))
    const { Credentials } = await t.emu.clients(reader).sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/cmkReader`, RoleSessionName: 'task' }))
    const role = t.emu.clients(credentialsOf(Credentials!))

    expect((await role.secretsmanager.send(new GetSecretValueCommand({ SecretId: managed }))).SecretString).toBe('pw2')
    const denied = await failure(role.secretsmanager.send(new GetSecretValueCommand({ SecretId: secret })))
    expect([denied.name, denied.message]).toEqual(['AccessDeniedException', 'Access to KMS is not allowed'])
    const [decision] = t.emu.emulator.decisions.query({ principal: `arn:aws:sts::${ACCOUNT}:assumed-role/cmkReader/task`, action: 'kms:Decrypt' })
    expect(decision).toMatchObject({ resource: key, decision: 'ImplicitDeny' })
    expect(decision.context).toMatchObject({ 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com', 'kms:EncryptionContext:SecretARN': secret })

    await t.iam.send(new PutRolePolicyCommand({
      RoleName: 'cmkReader', PolicyName: 'key',
      PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'kms:Decrypt', Resource: key, Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' } } }] })
    }))
    expect((await role.secretsmanager.send(new GetSecretValueCommand({ SecretId: secret }))).SecretString).toBe('pw')

    // A SecureString under the same key: the grant above holds only through Secrets Manager.
    const parameter = `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/prod/cmk`
    await t.ssm.send(new PutParameterCommand({ Name: '/prod/cmk', Value: 'pw3', Type: 'SecureString', KeyId: key.split('/')[1] }))
    await t.ssm.send(new PutParameterCommand({ Name: '/prod/aws-key', Value: 'pw4', Type: 'SecureString' }))
    await t.iam.send(new PutRolePolicyCommand({ RoleName: 'cmkReader', PolicyName: 'params', PolicyDocument: allowPolicy('ssm:GetParameters', '*') }))
    const masked = await role.ssm.send(new GetParametersCommand({ Names: ['/prod/cmk'] }))
    expect(masked.Parameters!.map(p => p.Name)).toEqual(['/prod/cmk'])
    expect((await role.ssm.send(new GetParametersCommand({ Names: ['/prod/aws-key'], WithDecryption: true }))).Parameters![0].Value).toBe('pw4')
    const ssmDenied = await failure(role.ssm.send(new GetParametersCommand({ Names: ['/prod/cmk', '/prod/aws-key'], WithDecryption: true })))
    expect(ssmDenied.name).toBe('AccessDeniedException')
    expect(ssmDenied.message).toMatch(/^The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access\. \(Service: AWSKMS; Status Code: 400; Error Code: AccessDeniedException; Request ID: [0-9a-f-]{36}; Proxy: null\)$/)
    const viaSsm = t.emu.emulator.decisions.query({ principal: `arn:aws:sts::${ACCOUNT}:assumed-role/cmkReader/task`, action: 'kms:Decrypt' })
      .find(d => d.context['kms:ViaService'] === 'ssm.us-east-1.amazonaws.com')
    expect(viaSsm).toMatchObject({ resource: key, decision: 'ImplicitDeny', context: { 'kms:EncryptionContext:PARAMETER_ARN': parameter } })

    await t.iam.send(new PutRolePolicyCommand({ RoleName: 'cmkReader', PolicyName: 'key-ssm', PolicyDocument: allowPolicy('kms:Decrypt', key) }))
    const read = await role.ssm.send(new GetParametersCommand({ Names: ['/prod/cmk'], WithDecryption: true }))
    expect(read.Parameters![0].Value).toBe('pw3')
  })
})
