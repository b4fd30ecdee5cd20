import { describe, expect, it } from 'vitest'
import { GetRoleCommand } from '@aws-sdk/client-iam'
import { useEmulator } from '../support/emulator.js'
import { raw } from '../support/raw.js'

const logLines: string[] = []
const t = useEmulator({}, { logLines })

const ecs = (operation: string, body: string) =>
  raw(t.emu.url, { service: 'ecs', target: `AmazonEC2ContainerServiceV20141113.${operation}`, body })

describe('awsJson1_1 (ECS)', () => {
  it('answers SerializationException for a body that is not JSON', async () => {
    const res = await ecs('DescribeClusters', '{"clusters": [')
    expect(res.status).toBe(400)
    expect(res.json.__type).toBe('SerializationException')
    expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/)
    expect(res.text).not.toMatch(/at .*\.(ts|js):\d+/)
  })

  it('answers SerializationException for a string where the model has a list', async () => {
    const res = await ecs('DescribeClusters', '{"clusters": "default"}')
    expect(res.json).toMatchObject({ __type: 'SerializationException' })
  })

  it('answers SerializationException for a number where the model has a string', async () => {
    const res = await ecs('CreateCluster', '{"clusterName": 42}')
    expect(res.json).toMatchObject({ __type: 'SerializationException' })
  })

  it('ignores members the model does not have, as AWS does', async () => {
    const res = await ecs('ListClusters', '{"notAMember": true}')
    expect(res.status).toBe(200)
  })

  it('answers UnknownOperationException for a target the model does not have', async () => {
    const res = await ecs('DoSomethingElse', '{}')
    expect(res.status).toBe(400)
    expect(res.json.__type).toBe('UnknownOperationException')
  })

  it('answers UnknownOperationException with a log line for a model operation not emulated', async () => {
    const res = await ecs('ExecuteCommand', '{"cluster":"a","task":"b","command":"sh","interactive":true}')
    expect(res.json).toEqual({ __type: 'UnknownOperationException', message: 'Operation ExecuteCommand is not emulated.' })
    expect(logLines.some(l => l.includes('"operation":"ExecuteCommand"') && l.includes('operation not emulated'))).toBe(true)
  })

  it('answers an oversized body in the protocol shape, not with a stack trace', async () => {
    const res = await ecs('ListClusters', JSON.stringify({ x: 'a'.repeat(11 * 1024 * 1024) }))
    expect(res.status).toBe(413)
    expect(res.json).toEqual({ __type: 'SerializationException', message: 'HTTP content length exceeded 10485760 bytes.' })
  })
})

describe('awsQuery (IAM, STS)', () => {
  it('answers ValidationError naming a missing required member', async () => {
    await expect(t.iam.send(new GetRoleCommand({ RoleName: undefined as unknown as string }))).rejects.toMatchObject({
      name: 'ValidationError',
      message: "1 validation error detected: Value null at 'roleName' failed to satisfy constraint: Member must not be null"
    })
  })

  it('collects several validation errors into one message', async () => {
    const res = await raw(t.emu.url, { service: 'sts', body: 'Action=AssumeRole&Version=2011-06-15&RoleArn=x&RoleSessionName=a' })
    expect(res.status).toBe(400)
    expect(res.text).toContain('<Code>ValidationError</Code><Message>2 validation errors detected: ' +
      "Value 'x' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20; " +
      "Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2</Message>")
  })

  it('answers InvalidAction for an action the service does not have', async () => {
    const res = await raw(t.emu.url, { service: 'iam', body: 'Action=MakeCoffee&Version=2010-05-08' })
    expect(res.status).toBe(400)
    expect(res.text).toContain('<Error><Type>Sender</Type><Code>InvalidAction</Code><Message>Could not find operation MakeCoffee for version 2010-05-08</Message></Error>')
  })

  it('routes by the credential scope when no Version is given', async () => {
    const res = await raw(t.emu.url, { service: 'sts', body: 'Action=GetCallerIdentity' })
    expect(res.status).toBe(200)
    expect(res.text).toMatch(/^<GetCallerIdentityResponse xmlns="https:\/\/sts.amazonaws.com\/doc\/2011-06-15\/"><GetCallerIdentityResult>/)
  })
})

describe('other paths', () => {
  it('answers a path no AWS client uses with a JSON error', async () => {
    const res = await fetch(`${t.emu.url}/nope`)
    expect(res.status).toBe(404)
    expect(await res.json()).toMatchObject({ __type: 'UnknownOperationException' })
  })
})
