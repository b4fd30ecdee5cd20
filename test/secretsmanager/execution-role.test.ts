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
