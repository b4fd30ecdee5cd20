import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam'
import { DeleteClusterCommand, ListClustersCommand } from '@aws-sdk/client-ecs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmulator, type TestEmulator } from '../support/emulator.js'

type Line = Record<string, unknown>

let emu: TestEmulator
const raw: string[] = []
const ROOT = 'arn:aws:iam::000000000000:root'

beforeAll(async () => {
  emu = await startEmulator({}, { logLines: raw, level: 'debug' })
})

afterAll(async () => {
  await emu.close()
  expect(emu.violations).toEqual([])
})

const lines = (): Line[] => raw.map(l => JSON.parse(l) as Line)
const about = (requestId: string): Line[] => lines().filter(l => l.requestId === requestId)

describe('the request log', () => {
  it('logs every request at debug with its request id, service, operation, principal and status', async () => {
    const out = await emu.clients().ecs.send(new ListClustersCommand({}))
    const [line] = about(out.$metadata.requestId!)
    expect(line).toMatchObject({
      msg: 'request', level: 20, service: 'ecs', operation: 'ListClusters', principal: ROOT, status: 200
    })
  })

  it('puts the principal on a client error\'s line', async () => {
    const e = await emu.clients().ecs.send(new DeleteClusterCommand({ cluster: 'missing' })).catch((e: unknown) => e) as
      { name: string, $metadata: { requestId: string } }
    expect(e.name).toBe('ClusterNotFoundException')
    expect(about(e.$metadata.requestId)).toEqual([expect.objectContaining({
      msg: 'client error', level: 30, operation: 'DeleteCluster', principal: ROOT, errorCode: 'ClusterNotFoundException'
    })])
  })

  it('puts the principal and the decision on a denial\'s line', async () => {
    const { iam } = emu.clients()
    await iam.send(new CreateUserCommand({ UserName: 'logged' }))
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: 'logged' }))).AccessKey!
    const user = emu.clients({ accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! })
    const e = await user.ecs.send(new ListClustersCommand({})).catch((e: unknown) => e) as
      { name: string, $metadata: { requestId: string } }
    expect(e.name).toBe('AccessDeniedException')
    const [line] = about(e.$metadata.requestId)
    expect(line).toMatchObject({
      msg: 'client error', operation: 'ListClusters', principal: 'arn:aws:iam::000000000000:user/logged',
      errorCode: 'AccessDeniedException'
    })
    expect(line.decisionId).toMatch(/^\d+$/)
  })

  it('names the request id, operation and principal on every line about a request', () => {
    const requestLines = lines().filter(l => l.requestId !== undefined)
    expect(requestLines.length).toBeGreaterThanOrEqual(5)
    for (const l of requestLines) {
      expect(l, JSON.stringify(l)).toEqual(expect.objectContaining({
        operation: expect.any(String), principal: expect.stringMatching(/^arn:aws:/)
      }))
    }
  })

  it('names the request id and operation on the line of an unauthenticated request', async () => {
    const stranger = emu.clients({ accessKeyId: 'AKIAUNKNOWNUNKNOWN00', secretAccessKey: 'x' })
    const e = await stranger.ecs.send(new ListClustersCommand({})).catch((e: unknown) => e) as
      { name: string, $metadata: { requestId: string } }
    expect(e.name).toBe('UnrecognizedClientException')
    expect(about(e.$metadata.requestId)).toEqual([expect.objectContaining({
      msg: 'client error', operation: 'ListClusters', errorCode: 'UnrecognizedClientException'
    })])
  })
})
