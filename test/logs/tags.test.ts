import { beforeAll, describe, expect, it } from 'vitest'
import {
  CreateLogGroupCommand, ListTagsForResourceCommand, ListTagsLogGroupCommand, TagLogGroupCommand,
  TagResourceCommand, UntagLogGroupCommand, UntagResourceCommand
} from '@aws-sdk/client-cloudwatch-logs'
import { useEmulator } from '../support/emulator.js'
import { ACCOUNT, failure } from '../support/fixtures.js'

const t = useEmulator()

const arn = (name: string) => `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:${name}`

beforeAll(async () => {
  await t.logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/tagged', tags: { team: 'web' } }))
})

const tagsOf = async (name: string) =>
  (await t.logs.send(new ListTagsForResourceCommand({ resourceArn: arn(name) }))).tags

describe('ListTagsForResource', () => {
  it('lists the tags given at creation', async () => {
    expect(await tagsOf('/ecs/tagged')).toEqual({ team: 'web' })
  })

  it('fails with ResourceNotFoundException for a missing group', async () => {
    const e = await failure(t.logs.send(new ListTagsForResourceCommand({ resourceArn: arn('never') })))
    expect(e.name).toBe('ResourceNotFoundException')
    expect(e.message).toBe('The specified log group does not exist.')
  })

  it('fails with InvalidParameterException for an ARN that is not a log group', async () => {
    const other = `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/x`
    const e = await failure(t.logs.send(new ListTagsForResourceCommand({ resourceArn: other })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe(`Invalid resource ARN: ${other}`)
  })
})

describe('TagResource', () => {
  it('adds and overwrites tags', async () => {
    await t.logs.send(new TagResourceCommand({ resourceArn: arn('/ecs/tagged'), tags: { team: 'api', env: 'prod' } }))
    expect(await tagsOf('/ecs/tagged')).toEqual({ team: 'api', env: 'prod' })
  })

  it('fails with ResourceNotFoundException for a missing group', async () => {
    const e = await failure(t.logs.send(new TagResourceCommand({ resourceArn: arn('never'), tags: { a: 'b' } })))
    expect(e.name).toBe('ResourceNotFoundException')
    expect(e.message).toBe('The specified log group does not exist.')
  })
})

describe('UntagResource', () => {
  it('removes the named keys', async () => {
    await t.logs.send(new UntagResourceCommand({ resourceArn: arn('/ecs/tagged'), tagKeys: ['env'] }))
    expect(await tagsOf('/ecs/tagged')).toEqual({ team: 'api' })
  })
})

describe('TagLogGroup', () => {
  it('tags by name, as ListTagsLogGroup shows', async () => {
    await t.logs.send(new TagLogGroupCommand({ logGroupName: '/ecs/tagged', tags: { owner: 'me' } }))
    const { tags } = await t.logs.send(new ListTagsLogGroupCommand({ logGroupName: '/ecs/tagged' }))
    expect(tags).toEqual({ team: 'api', owner: 'me' })
  })

  it('fails with ResourceNotFoundException for a missing group', async () => {
    const e = await failure(t.logs.send(new TagLogGroupCommand({ logGroupName: 'never', tags: { a: 'b' } })))
    expect(e.name).toBe('ResourceNotFoundException')
    expect(e.message).toBe('The specified log group does not exist.')
  })
})

describe('UntagLogGroup', () => {
  it('untags by name', async () => {
    await t.logs.send(new UntagLogGroupCommand({ logGroupName: '/ecs/tagged', tags: ['owner'] }))
    expect(await tagsOf('/ecs/tagged')).toEqual({ team: 'api' })
  })
})

describe('ListTagsLogGroup', () => {
  it('fails with ResourceNotFoundException for a missing group', async () => {
    const e = await failure(t.logs.send(new ListTagsLogGroupCommand({ logGroupName: 'never' })))
    expect(e.name).toBe('ResourceNotFoundException')
    expect(e.message).toBe('The specified log group does not exist.')
  })
})
