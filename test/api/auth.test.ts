import { describe, expect, it } from 'vitest'
import { ListClustersCommand } from '@aws-sdk/client-ecs'
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts'
import { ListRolesCommand } from '@aws-sdk/client-iam'
import { startEmulator, useEmulator } from '../support/emulator.js'
import { presign, raw } from '../support/raw.js'

const BAD_SIGNATURE = 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.'
const INVALID_TOKEN = 'The security token included in the request is invalid.'

const t = useEmulator()

const ecsList = { service: 'ecs' as const, target: 'AmazonEC2ContainerServiceV20141113.ListClusters', body: '{}' }
const stsIdentity = { service: 'sts' as const, body: 'Action=GetCallerIdentity&Version=2011-06-15' }

describe('SigV4 on JSON services', () => {
  it('answers InvalidSignatureException for a wrong secret', async () => {
    const { ecs } = t.emu.clients({ accessKeyId: 'test', secretAccessKey: 'wrong' })
    await expect(ecs.send(new ListClustersCommand({}))).rejects.toMatchObject({
      name: 'InvalidSignatureException', message: BAD_SIGNATURE, $metadata: { httpStatusCode: 400 }
    })
  })

  it('answers UnrecognizedClientException for an unknown access key', async () => {
    const { ecs } = t.emu.clients({ accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x' })
    await expect(ecs.send(new ListClustersCommand({}))).rejects.toMatchObject({
      name: 'UnrecognizedClientException', message: INVALID_TOKEN
    })
  })

  it('answers MissingAuthenticationTokenException for an unsigned request', async () => {
    const res = await raw(t.emu.url, { ...ecsList, unsigned: true })
    expect(res.status).toBe(403)
    expect(res.json).toEqual({ __type: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' })
  })

  it('answers a forged session token with UnrecognizedClientException', async () => {
    const res = await raw(t.emu.url, { ...ecsList, credentials: { accessKeyId: 'test', secretAccessKey: 'test', sessionToken: 'forged' } })
    expect(res.json).toMatchObject({ __type: 'UnrecognizedClientException', message: INVALID_TOKEN })
  })

  it('rejects a signature older than five minutes', async () => {
    const res = await raw(t.emu.url, { ...ecsList, signingDate: new Date(Date.now() - 6 * 60_000) })
    expect(res.status).toBe(400)
    expect(res.json.__type).toBe('InvalidSignatureException')
    expect(res.json.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/)
  })

  it('rejects a signature more than five minutes ahead', async () => {
    const res = await raw(t.emu.url, { ...ecsList, signingDate: new Date(Date.now() + 6 * 60_000) })
    expect(res.json.message).toMatch(/^Signature not yet current: \d{8}T\d{6}Z is still later than/)
  })

  it('accepts a signature four minutes old', async () => {
    const res = await raw(t.emu.url, { ...ecsList, signingDate: new Date(Date.now() - 4 * 60_000) })
    expect(res.status).toBe(200)
  })

  it('rejects a credential scoped to another service', async () => {
    const res = await raw(t.emu.url, { ...ecsList, signingService: 'logs' })
    expect(res.json).toEqual({ __type: 'InvalidSignatureException', message: "Credential should be scoped to correct service: 'ecs'. " })
  })

  it('rejects a credential scoped to a region that does not exist', async () => {
    const res = await raw(t.emu.url, { ...ecsList, region: 'moon' })
    expect(res.json).toEqual({ __type: 'InvalidSignatureException', message: "Credential should be scoped to a valid region, not 'moon'. " })
  })

  it('rejects a body changed after signing', async () => {
    const u = new URL(t.emu.url)
    const good = await raw(t.emu.url, ecsList)
    expect(good.status).toBe(200)
    const { SignatureV4 } = await import('@smithy/signature-v4')
    const { Sha256 } = await import('../../api/sigv4.js')
    const signer = new SignatureV4({ credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, region: 'us-east-1', service: 'ecs', sha256: Sha256 })
    const req = await signer.sign({ method: 'POST', protocol: 'http:', hostname: u.hostname, path: '/', query: {}, body: '{}',
      headers: { host: u.host, 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': ecsList.target } })
    const res = await fetch(t.emu.url, { method: 'POST', headers: req.headers as Record<string, string>, body: '{"maxResults":1}' })
    expect(await res.json()).toEqual({ __type: 'InvalidSignatureException', message: BAD_SIGNATURE })
  })
})

describe('SigV4 on query services', () => {
  it('answers SignatureDoesNotMatch 403 for a wrong secret', async () => {
    const { sts } = t.emu.clients({ accessKeyId: 'test', secretAccessKey: 'wrong' })
    await expect(sts.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: 'SignatureDoesNotMatch', message: BAD_SIGNATURE, $metadata: { httpStatusCode: 403 }
    })
  })

  it('answers InvalidClientTokenId 403 for an unknown key', async () => {
    const { iam } = t.emu.clients({ accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x' })
    await expect(iam.send(new ListRolesCommand({}))).rejects.toMatchObject({
      name: 'InvalidClientTokenId', message: INVALID_TOKEN, $metadata: { httpStatusCode: 403 }
    })
  })

  it('answers MissingAuthenticationToken in an ErrorResponse', async () => {
    const res = await raw(t.emu.url, { ...stsIdentity, unsigned: true })
    expect(res.status).toBe(403)
    expect(res.text).toMatch(/^<ErrorResponse xmlns="https:\/\/sts.amazonaws.com\/doc\/2011-06-15\/"><Error><Type>Sender<\/Type><Code>MissingAuthenticationToken<\/Code><Message>Request is missing Authentication Token<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>$/)
  })

  it('accepts a presigned GetCallerIdentity URL', async () => {
    const url = await presign(t.emu.url, 'sts', { Action: 'GetCallerIdentity', Version: '2011-06-15' }, { accessKeyId: 'test', secretAccessKey: 'test' })
    const res = await fetch(url)
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('<Arn>arn:aws:iam::000000000000:root</Arn>')
  })

  it('rejects a presigned URL past its expiry', async () => {
    const url = await presign(t.emu.url, 'sts', { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      { accessKeyId: 'test', secretAccessKey: 'test' }, 60, new Date(Date.now() - 120_000))
    const res = await fetch(url)
    expect(res.status).toBe(403)
    expect(await res.text()).toContain('<Code>SignatureDoesNotMatch</Code><Message>Signature expired:')
  })

  it('rejects a presigned URL signed with a wrong secret', async () => {
    const url = await presign(t.emu.url, 'sts', { Action: 'GetCallerIdentity', Version: '2011-06-15' }, { accessKeyId: 'test', secretAccessKey: 'nope' })
    const res = await fetch(url)
    expect(await res.text()).toContain('<Code>SignatureDoesNotMatch</Code>')
  })
})

describe('--auth open', () => {
  it('lets an unknown, unsigned key act as root', async () => {
    const open = await startEmulator({ auth: 'open' })
    try {
      const { sts } = open.clients({ accessKeyId: 'AKIAWHATEVER0000000', secretAccessKey: 'anything' })
      const me = await sts.send(new GetCallerIdentityCommand({}))
      expect(me.Arn).toBe('arn:aws:iam::000000000000:root')
      const res = await raw(open.url, { ...ecsList, unsigned: true })
      expect(res.status).toBe(200)
    } finally {
      await open.close()
    }
  })
})
