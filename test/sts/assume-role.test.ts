import { beforeAll, describe, expect, it } from 'vitest'
import { ListClustersCommand } from '@aws-sdk/client-ecs'
import { CreateRoleCommand, PutRolePolicyCommand, UpdateRoleCommand } from '@aws-sdk/client-iam'
import { AssumeRoleCommand, GetCallerIdentityCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts'
import { useEmulator, type Credentials } from '../support/emulator.js'
import { ACCOUNT, allowPolicy, credentialsOf, trustPolicy, userWithKey } from '../support/fixtures.js'
import { raw } from '../support/raw.js'

const t = useEmulator()
let alice: Credentials
beforeAll(async () => {
  const { iam } = t
  const trust = (principal: Record<string, string>, extra: object = {}) =>
    trustPolicy(principal, { Action: ['sts:AssumeRole', 'sts:TagSession'], ...extra })
  await iam.send(new CreateRoleCommand({ RoleName: 'deployer', AssumeRolePolicyDocument: trust({ AWS: `arn:aws:iam::${ACCOUNT}:root` }) }))
  await iam.send(new PutRolePolicyCommand({ RoleName: 'deployer', PolicyName: 'ecs', PolicyDocument: allowPolicy(['ecs:List*', 'sts:AssumeRole']) }))
  await iam.send(new CreateRoleCommand({ RoleName: 'tasks', AssumeRolePolicyDocument: trust({ Service: 'ecs-tasks.amazonaws.com' }) }))
  await iam.send(new CreateRoleCommand({ RoleName: 'partner', AssumeRolePolicyDocument: trust({ AWS: `arn:aws:iam::${ACCOUNT}:root` }, { Condition: { StringEquals: { 'sts:ExternalId': 'x-123' } } }) }))
  await iam.send(new CreateRoleCommand({ RoleName: 'long', MaxSessionDuration: 7200, AssumeRolePolicyDocument: trust({ AWS: `arn:aws:iam::${ACCOUNT}:role/deployer` }) }))
  alice = await userWithKey(iam, 'alice', allowPolicy(['sts:AssumeRole', 'sts:TagSession']))
})

async function assume (creds: Credentials, input: Partial<ConstructorParameters<typeof AssumeRoleCommand>[0]> & { RoleArn: string }) {
  const out = await t.emu.clients(creds).sts.send(new AssumeRoleCommand({ RoleSessionName: 'ci', ...input }))
  return { out, creds: credentialsOf(out.Credentials!) }
}

describe('AssumeRole', () => {
  it('hands out ASIA credentials that act as the assumed-role session', async () => {
    const { out, creds } = await assume(alice, { RoleArn: `arn:aws:iam::${ACCOUNT}:role/deployer` })
    expect(out.Credentials!.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/)
    expect(out.Credentials!.SecretAccessKey).toHaveLength(40)
    expect(out.Credentials!.Expiration!.getTime() - Date.now()).toBeGreaterThan(3590_000)
    expect(out.AssumedRoleUser).toEqual({ Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci`, AssumedRoleId: expect.stringMatching(/^AROA[A-Z2-7]{17}:ci$/) })
    expect(out.PackedPolicySize).toBeUndefined()
    const me = await t.emu.clients(creds).sts.send(new GetCallerIdentityCommand({}))
    expect(me).toMatchObject({ Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci`, Account: ACCOUNT, UserId: out.AssumedRoleUser!.AssumedRoleId })
    await t.emu.clients(creds).ecs.send(new ListClustersCommand({}))
  })

  it('refuses a role whose trust policy names only a service', async () => {
    await expect(assume(alice, { RoleArn: `arn:aws:iam::${ACCOUNT}:role/tasks` })).rejects.toMatchObject({
      name: 'AccessDenied', $metadata: { httpStatusCode: 403 },
      message: `User: arn:aws:iam::${ACCOUNT}:user/alice is not authorized to perform: sts:AssumeRole because no role trust policy allows the sts:AssumeRole action`
    })
  })

  it('refuses a role that does not exist without saying whether it exists', async () => {
    await expect(assume(alice, { RoleArn: `arn:aws:iam::${ACCOUNT}:role/nobody` })).rejects.toMatchObject({
      name: 'AccessDenied',
      message: `User: arn:aws:iam::${ACCOUNT}:user/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${ACCOUNT}:role/nobody`
    })
    const { decisions } = await (await fetch(`${t.emu.url}/_emulator/decisions?action=sts:AssumeRole&decision=ImplicitDeny`)).json() as { decisions: any[] }
    expect(decisions[0]).toMatchObject({ resource: `arn:aws:iam::${ACCOUNT}:role/nobody`, missingAllowIn: 'trust' })
  })

  it('checks sts:ExternalId in the trust policy', async () => {
    await expect(assume(alice, { RoleArn: `arn:aws:iam::${ACCOUNT}:role/partner` })).rejects.toMatchObject({ name: 'AccessDenied' })
    const { out } = await assume(alice, { RoleArn: `arn:aws:iam::${ACCOUNT}:role/partner`, ExternalId: 'x-123' })
    expect(out.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/partner/ci`)
  })

  it('caps DurationSeconds at the role MaxSessionDuration', async () => {
    await expect(assume(alice, { RoleArn: `arn:aws:iam::${ACCOUNT}:role/deployer`, DurationSeconds: 7200 })).rejects.toMatchObject({
      name: 'ValidationError', message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.'
    })
  })

  it('caps role chaining at one hour', async () => {
    const { creds } = await assume(alice, { RoleArn: `arn:aws:iam::${ACCOUNT}:role/deployer` })
    await expect(assume(creds, { RoleArn: `arn:aws:iam::${ACCOUNT}:role/long`, DurationSeconds: 7200 })).rejects.toMatchObject({
      name: 'ValidationError', message: 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.'
    })
    const chained = await assume(creds, { RoleArn: `arn:aws:iam::${ACCOUNT}:role/long`, RoleSessionName: 'hop' })
    expect(chained.out.AssumedRoleUser!.Arn).toBe(`arn:aws:sts::${ACCOUNT}:assumed-role/long/hop`)
  })

  it('narrows the session with a session policy and reports PackedPolicySize', async () => {
    const policy = allowPolicy('sts:GetCallerIdentity')
    const { out, creds } = await assume(alice, { RoleArn: `arn:aws:iam::${ACCOUNT}:role/deployer`, Policy: policy })
    expect(out.PackedPolicySize).toBeGreaterThan(0)
    await expect(t.emu.clients(creds).ecs.send(new ListClustersCommand({}))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: `User: arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci is not authorized to perform: ecs:ListClusters on resource: * because no session policy allows the ecs:ListClusters action`
    })
  })

  it('refuses a session policy that is not JSON', async () => {
    await expect(assume(alice, { RoleArn: `arn:aws:iam::${ACCOUNT}:role/deployer`, Policy: '{nope' })).rejects.toMatchObject({ name: 'MalformedPolicyDocumentException', message: 'The policy is not in the valid JSON format.' })
  })

  it('puts session tags into aws:PrincipalTag', async () => {
    const { creds } = await assume(alice, { RoleArn: `arn:aws:iam::${ACCOUNT}:role/deployer`, Tags: [{ Key: 'team', Value: 'web' }] })
    await t.emu.clients(creds).sts.send(new GetCallerIdentityCommand({}))
    const res = await fetch(`${t.emu.url}/_emulator/decisions?action=sts:GetCallerIdentity&principal=arn:aws:sts::${ACCOUNT}:assumed-role/deployer/ci`)
    const { decisions } = await res.json() as { decisions: { context: Record<string, unknown> }[] }
    expect(decisions[0].context['aws:PrincipalTag/team']).toBe('web')
  })

  it('refuses a session name outside the pattern', async () => {
    await expect(assume(alice, { RoleArn: `arn:aws:iam::${ACCOUNT}:role/deployer`, RoleSessionName: 'has space' })).rejects.toMatchObject({
      name: 'ValidationError',
      message: "1 validation error detected: Value 'has space' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
    })
  })
})

describe('expired credentials', () => {
  it('answers ExpiredTokenException on JSON services and ExpiredToken on query services', async () => {
    const { out, creds } = await assume(alice, { RoleArn: `arn:aws:iam::${ACCOUNT}:role/deployer` })
    const session = t.emu.emulator.sessions.get(out.Credentials!.AccessKeyId!)!
    session.expiration = Date.now() / 1000 - 1
    await expect(t.emu.clients(creds).ecs.send(new ListClustersCommand({}))).rejects.toMatchObject({
      name: 'ExpiredTokenException', message: 'The security token included in the request is expired'
    })
    const res = await raw(t.emu.url, { service: 'iam', body: 'Action=ListRoles&Version=2010-05-08', credentials: creds })
    expect(res.status).toBe(403)
    expect(res.text).toContain('<Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message>')
  })
})

describe('GetSessionToken', () => {
  it('gives a user temporary credentials that act as the user', async () => {
    const out = await t.emu.clients(alice).sts.send(new GetSessionTokenCommand({ DurationSeconds: 900 }))
    const c = out.Credentials!
    expect(c.AccessKeyId).toMatch(/^ASIA/)
    const me = await t.emu.clients(credentialsOf(c)).sts.send(new GetCallerIdentityCommand({}))
    expect(me.Arn).toBe(`arn:aws:iam::${ACCOUNT}:user/alice`)
  })

  it('refuses session credentials', async () => {
    const { creds } = await assume(alice, { RoleArn: `arn:aws:iam::${ACCOUNT}:role/deployer` })
    await expect(t.emu.clients(creds).sts.send(new GetSessionTokenCommand({}))).rejects.toMatchObject({
      name: 'AccessDenied', message: 'Cannot call GetSessionToken with session credentials'
    })
  })
})

describe('a role MaxSessionDuration', () => {
  it('allows longer sessions once raised', async () => {
    await t.iam.send(new UpdateRoleCommand({ RoleName: 'deployer', MaxSessionDuration: 7200 }))
    const { out } = await assume(alice, { RoleArn: `arn:aws:iam::${ACCOUNT}:role/deployer`, DurationSeconds: 7200 })
    expect(out.Credentials!.Expiration!.getTime() - Date.now()).toBeGreaterThan(7190_000)
  })
})
