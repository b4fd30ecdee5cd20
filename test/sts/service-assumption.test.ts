import { describe, expect, it } from 'vitest'
import { CreateRoleCommand } from '@aws-sdk/client-iam'
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts'
import { useEmulator } from '../support/emulator.js'
import { ACCOUNT, credentialsOf, trustPolicy, trustService } from '../support/fixtures.js'
import { assumeRoleAsService, unableToAssumeRole } from '../../src/sts/sessions.js'

const t = useEmulator()
const TASK_ID = '8f03e41243824aea923aca126495f665'
const TASK_ARN = `arn:aws:ecs:us-east-1:${ACCOUNT}:task/default/${TASK_ID}`

const assume = (roleName: string, extra: { sourceArn?: string, sourceAccount?: string } = {}) =>
  assumeRoleAsService(t.emu.emulator, {
    roleArn: `arn:aws:iam::${ACCOUNT}:role/${roleName}`, service: 'ecs-tasks.amazonaws.com', sessionName: TASK_ID,
    onBehalfOf: TASK_ARN, requestId: 'run-task', region: 'us-east-1', now: new Date(), ...extra
  })

describe('assumeRoleAsService', () => {
  it('gives a session of the role named after the task, when the trust policy names the service', async () => {
    await t.iam.send(new CreateRoleCommand({ RoleName: 'ecsTaskExecutionRole', AssumeRolePolicyDocument: trustService('ecs-tasks.amazonaws.com') }))
    const result = assume('ecsTaskExecutionRole')
    if (!result.ok) throw new Error('expected a session')
    const me = await t.emu.clients(credentialsOf({
      AccessKeyId: result.session.accessKeyId, SecretAccessKey: result.session.secretAccessKey, SessionToken: result.session.sessionToken
    })).sts.send(new GetCallerIdentityCommand({}))
    expect(me.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/ecsTaskExecutionRole/${TASK_ID}`)
  })

  it('is refused when the trust policy names another service, and the decision says so', async () => {
    await t.iam.send(new CreateRoleCommand({ RoleName: 'ec2Only', AssumeRolePolicyDocument: trustService('ec2.amazonaws.com') }))
    const result = assume('ec2Only')
    expect(result.ok).toBe(false)
    const decision = t.emu.emulator.decisions.get((result as { decisionId: string }).decisionId)
    expect(decision).toMatchObject({
      principal: 'ecs-tasks.amazonaws.com', action: 'sts:AssumeRole', decision: 'ImplicitDeny',
      missingAllowIn: 'trust', onBehalfOf: TASK_ARN
    })
  })

  it('honours confused-deputy conditions on aws:SourceAccount and aws:SourceArn', async () => {
    await t.iam.send(new CreateRoleCommand({
      RoleName: 'guarded',
      AssumeRolePolicyDocument: trustPolicy({ Service: 'ecs-tasks.amazonaws.com' }, {
        Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:ecs:us-east-1:${ACCOUNT}:*` }, StringEquals: { 'aws:SourceAccount': ACCOUNT } }
      })
    }))
    expect(assume('guarded', { sourceArn: TASK_ARN, sourceAccount: ACCOUNT }).ok).toBe(true)
    expect(assume('guarded', { sourceArn: TASK_ARN, sourceAccount: '111122223333' }).ok).toBe(false)
    expect(assume('guarded').ok).toBe(false)
  })

  it('is refused for a role that does not exist', () => {
    expect(assume('nobody').ok).toBe(false)
  })
})

describe('unableToAssumeRole', () => {
  it('words the ClientException as ECS does', () => {
    const e = unableToAssumeRole(`arn:aws:iam::${ACCOUNT}:role/x`)
    expect(e.code).toBe('ClientException')
    expect(e.message).toBe(`ECS was unable to assume the role 'arn:aws:iam::${ACCOUNT}:role/x' that was provided for this task. Please verify that the role being passed has the proper trust relationship and permissions and that your IAM user has permissions to pass this role.`)
  })
})
