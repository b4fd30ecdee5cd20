/**
 * AWS Systems Manager Parameter Store (awsJson1_1, target prefix AmazonSSM): the parameters an
 * ECS task's `secrets` read, and the public ECS-optimized AMI parameters.
 */
import { randomUUID } from 'node:crypto'
import { resourceTagContext as tagKeys } from '../../src/iam/tag-context.js'
import { AwsError, validationMessage } from '../errors.js'
import { authorizeKeyUse, decryptCheck, ssmKmsDenied } from '../../src/secrets/kms.js'
import {
  operation, type Operation, type OperationContext, type Service
} from '../registry.js'
import {
  maskedValue, parameterArn, parseName, publicParameter, putParameter, selectVersion, ssmErrors,
  underPath, type ParameterRecord, type PutParameterRequest
} from '../../src/ssm/parameter.js'
import type { RequestContext } from '../../src/iam/policy.js'

interface Tag { Key: string, Value: string }

const seconds = (ctx: OperationContext): number => ctx.now.getTime() / 1000

const arnOf = (ctx: OperationContext, name: string): string => {
  const pub = publicParameter(name, ctx.region)
  return pub?.arn ?? parameterArn(ctx.account, ctx.region, name)
}

const find = (ctx: OperationContext, name: string): ParameterRecord | undefined =>
  ctx.emulator.parameters.get(ctx.account, ctx.region, name)

const tagContext = (ctx: OperationContext, arn: string): RequestContext =>
  tagKeys(ctx.emulator.tags.list(arn))

function authorizeOn (ctx: OperationContext, action: string, name: string,
  context: RequestContext = {}): void {
  const arn = arnOf(ctx, name)
  ctx.authorize({ action, resource: arn, context: { ...tagContext(ctx, arn), ...context } })
}

/** The wire Parameter for a Name (with selector), or undefined when there is none. */
function read (ctx: OperationContext, requested: string, decrypt: boolean) {
  const { name, selector } = parseName(requested)
  const pub = publicParameter(name, ctx.region)
  if (pub !== undefined) {
    if (selector !== undefined && selector !== String(pub.version)) throw ssmErrors.versionNotFound(name, selector)
    return {
      Name: pub.name, Type: 'String', Value: pub.value, Version: pub.version,
      Selector: selector === undefined ? undefined : `:${selector}`,
      LastModifiedDate: pub.lastModified, ARN: pub.arn, DataType: pub.dataType
    }
  }
  const p = find(ctx, name)
  if (p === undefined) return undefined
  const v = selectVersion(p, selector)
  const masked = v.type === 'SecureString' && !decrypt
  if (v.type === 'SecureString' && decrypt) {
    const check = decryptCheck('ssm', v.keyId, parameterArn(p.account, p.region, p.name), ctx)
    authorizeKeyUse(ctx, check, () => ssmKmsDenied(randomUUID()))
  }
  return {
    Name: p.name,
    Type: v.type,
    Value: masked ? maskedValue(p, v) : v.value,
    Version: v.version,
    Selector: selector === undefined ? undefined : `:${selector}`,
    LastModifiedDate: v.lastModified,
    ARN: parameterArn(p.account, p.region, p.name),
    DataType: v.dataType
  }
}

const PutParameter = operation({
  authorize: 'handler',
  notes: 'Nothing is encrypted: a SecureString is kept as given and masked unless read WithDecryption (which checks kms:Decrypt on a customer key named by id or ARN). `Tier` is always Standard; `Policies` are ignored.',
  handle (input: PutParameterRequest & { Tier?: string }, ctx) {
    const arn = parameterArn(ctx.account, ctx.region, input.Name)
    const tags = input.Tags ?? []
    const context: RequestContext = { 'ssm:Overwrite': String(input.Overwrite === true) }
    if (tags.length > 0) {
      for (const t of tags) context[`aws:RequestTag/${t.Key}`] = t.Value
      context['aws:TagKeys'] = tags.map(t => t.Key)
    }
    ctx.authorize({ action: 'ssm:PutParameter', resource: arn, context })

    const existing = find(ctx, input.Name)
    const parameter = putParameter(existing, input, {
      account: ctx.account, region: ctx.region, user: ctx.principal.arn, now: seconds(ctx)
    })
    ctx.emulator.db.transaction(() => {
      ctx.emulator.parameters.save(parameter)
      ctx.emulator.tags.tag(arn, tags.map(t => ({ key: t.Key, value: t.Value })))
    })()
    return { Version: parameter.versions.at(-1)!.version, Tier: 'Standard' }
  }
})

const GetParameter = operation({
  authorize: 'handler',
  notes: 'Selectors by version (`name:3`) are supported; labels are not (a label selector answers ParameterVersionNotFound).',
  handle (input: { Name: string, WithDecryption?: boolean }, ctx) {
    authorizeOn(ctx, 'ssm:GetParameter', parseName(input.Name).name)
    const Parameter = read(ctx, input.Name, input.WithDecryption === true)
    if (Parameter === undefined) throw ssmErrors.notFound()
    return { Parameter }
  }
})

const GetParameters = operation({
  authorize: 'handler',
  handle (input: { Names: string[], WithDecryption?: boolean }, ctx) {
    ctx.authorize(input.Names.map(n => {
      const arn = arnOf(ctx, parseName(n).name)
      return { action: 'ssm:GetParameters', resource: arn, context: tagContext(ctx, arn) }
    }))

    const Parameters = []
    const InvalidParameters = []
    for (const name of input.Names) {
      let found
      try {
        found = read(ctx, name, input.WithDecryption === true)
      } catch (e) {
        // A key the caller may not use fails the call; a version that is not there, the name.
        if (e instanceof AwsError && e.code === 'AccessDeniedException') throw e
        found = undefined
      }
      if (found === undefined) InvalidParameters.push(name)
      else Parameters.push(found)
    }
    return { Parameters, InvalidParameters }
  }
})

interface GetParametersByPathRequest {
  Path: string
  Recursive?: boolean
  WithDecryption?: boolean
  MaxResults?: number
  NextToken?: string
}

const GetParametersByPath = operation({
  authorize: 'handler',
  notes: '`ParameterFilters` are ignored. Public parameters (under /aws/) are not listed.',
  handle (input: GetParametersByPathRequest, ctx) {
    const context: RequestContext = {}
    if (input.Recursive !== undefined) context['ssm:Recursive'] = String(input.Recursive)
    const resource = parameterArn(ctx.account, ctx.region, input.Path)
    ctx.authorize({ action: 'ssm:GetParametersByPath', resource, context })
    // (unconfirmed) AWS's wording for a path that does not start with `/`.
    if (!input.Path.startsWith('/')) throw ssmErrors.validation('The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/".')

    const names = ctx.emulator.parameters.list(ctx.account, ctx.region)
      .map(p => p.name).filter(n => underPath(n, input.Path, input.Recursive === true))
    const page = paginate(names, input.MaxResults ?? 10, input.NextToken)
    return {
      Parameters: page.items.map(n => read(ctx, n, input.WithDecryption === true)!),
      NextToken: page.nextToken
    }
  }
})

/** NextToken paging over a list in its final order; the token holds the next position. */
function paginate<T> (items: T[], size: number, token: string | undefined): { items: T[], nextToken?: string } {
  const start = token === undefined ? 0 : Number(Buffer.from(token, 'base64').toString('utf8'))
  if (!Number.isInteger(start) || start < 0) {
    // (unconfirmed) InvalidNextToken's message.
    throw new AwsError('InvalidNextToken', 'The specified token is not valid.')
  }
  const end = start + size
  const nextToken = end < items.length ? Buffer.from(String(end)).toString('base64') : undefined
  return { items: items.slice(start, end), nextToken }
}

const DeleteParameter = operation({
  authorize: 'handler',
  handle (input: { Name: string }, ctx) {
    authorizeOn(ctx, 'ssm:DeleteParameter', input.Name)
    const p = find(ctx, input.Name)
    if (p === undefined) throw ssmErrors.notFound()
    remove(ctx, p)
    return {}
  }
})

function remove (ctx: OperationContext, p: ParameterRecord): void {
  ctx.emulator.db.transaction(() => {
    ctx.emulator.parameters.remove(p)
    ctx.emulator.tags.drop(parameterArn(p.account, p.region, p.name))
  })()
}

const DeleteParameters = operation({
  authorize: 'handler',
  handle (input: { Names: string[] }, ctx) {
    ctx.authorize(input.Names.map(n => {
      const arn = parameterArn(ctx.account, ctx.region, n)
      return { action: 'ssm:DeleteParameters', resource: arn, context: tagContext(ctx, arn) }
    }))
    const DeletedParameters = []
    const InvalidParameters = []
    for (const name of input.Names) {
      const p = find(ctx, name)
      if (p === undefined) { InvalidParameters.push(name); continue }
      remove(ctx, p)
      DeletedParameters.push(name)
    }
    return { DeletedParameters, InvalidParameters }
  }
})

interface StringFilter { Key: string, Option?: string, Values?: string[] }

function matches (ctx: OperationContext, p: ParameterRecord, f: StringFilter): boolean {
  const v = p.versions.at(-1)!
  const values = f.Values ?? []
  const option = f.Option ?? (f.Key === 'Path' ? 'OneLevel' : 'Equals')
  if (f.Key === 'Path') return values.some(path => underPath(p.name, path, option === 'Recursive'))
  if (f.Key.startsWith('tag:')) {
    const tags = ctx.emulator.tags.list(parameterArn(p.account, p.region, p.name))
    const tag = tags.find(t => t.key === f.Key.slice(4))
    return tag !== undefined && (values.length === 0 || values.includes(tag.value))
  }
  const fields: Record<string, string | undefined> = {
    Name: p.name, Type: v.type, KeyId: v.keyId, DataType: v.dataType, Tier: 'Standard'
  }
  const field = fields[f.Key]
  if (field === undefined) return false
  if (option === 'BeginsWith') return values.some(x => field.startsWith(x))
  if (option === 'Contains') return values.some(x => field.includes(x))
  return values.includes(field)
}

interface DescribeParametersRequest {
  Filters?: { Key: string, Values: string[] }[]
  ParameterFilters?: StringFilter[]
  MaxResults?: number
  NextToken?: string
}

const DescribeParameters = operation({
  notes: 'ParameterFilters support Name, Type, KeyId, DataType, Tier, Path and tag:KEY; `Label` matches nothing, `Shared` is ignored.',
  handle (input: DescribeParametersRequest, ctx) {
    const filters: StringFilter[] = [
      ...(input.Filters ?? []).map(f => ({ Key: f.Key, Option: 'Equals', Values: f.Values })),
      ...(input.ParameterFilters ?? [])
    ]
    const all = ctx.emulator.parameters.list(ctx.account, ctx.region)
      .filter(p => filters.every(f => matches(ctx, p, f)))
    const page = paginate(all, input.MaxResults ?? 50, input.NextToken)
    return {
      Parameters: page.items.map(p => {
        const v = p.versions.at(-1)!
        return {
          Name: p.name,
          ARN: parameterArn(p.account, p.region, p.name),
          Type: v.type,
          KeyId: v.keyId,
          LastModifiedDate: v.lastModified,
          LastModifiedUser: v.lastModifiedUser,
          Description: v.description,
          AllowedPattern: v.allowedPattern,
          Version: v.version,
          Tier: 'Standard',
          Policies: [],
          DataType: v.dataType
        }
      }),
      NextToken: page.nextToken
    }
  }
})

/** The parameter a tagging call names (only `Parameter` resources are emulated). */
function taggable (ctx: OperationContext, action: string, type: string, id: string,
  context: RequestContext = {}): string {
  if (type !== 'Parameter') throw ssmErrors.invalidResourceType()
  const name = parseName(id).name
  authorizeOn(ctx, action, name, context)
  if (find(ctx, name) === undefined) throw ssmErrors.invalidResourceId()
  return parameterArn(ctx.account, ctx.region, name)
}

const tagsNotes = 'Only `ResourceType: Parameter` is emulated; other types answer InvalidResourceType.'

const AddTagsToResource = operation({
  authorize: 'handler',
  notes: tagsNotes,
  handle (input: { ResourceType: string, ResourceId: string, Tags: Tag[] }, ctx) {
    const context: RequestContext = { 'aws:TagKeys': input.Tags.map(t => t.Key) }
    for (const t of input.Tags) context[`aws:RequestTag/${t.Key}`] = t.Value
    const arn = taggable(ctx, 'ssm:AddTagsToResource', input.ResourceType, input.ResourceId, context)
    ctx.emulator.tags.tag(arn, input.Tags.map(t => ({ key: t.Key, value: t.Value })))
    return {}
  }
})

const RemoveTagsFromResource = operation({
  authorize: 'handler',
  notes: tagsNotes,
  handle (input: { ResourceType: string, ResourceId: string, TagKeys: string[] }, ctx) {
    const arn = taggable(ctx, 'ssm:RemoveTagsFromResource', input.ResourceType, input.ResourceId,
      { 'aws:TagKeys': input.TagKeys })
    ctx.emulator.tags.untag(arn, input.TagKeys)
    return {}
  }
})

const ListTagsForResource = operation({
  authorize: 'handler',
  notes: tagsNotes,
  handle (input: { ResourceType: string, ResourceId: string }, ctx) {
    const arn = taggable(ctx, 'ssm:ListTagsForResource', input.ResourceType, input.ResourceId)
    return { TagList: ctx.emulator.tags.list(arn).map(t => ({ Key: t.key, Value: t.value })) }
  }
})

export const ssmOperations: Record<string, Operation> = {
  PutParameter, GetParameter, GetParameters, GetParametersByPath, DeleteParameter,
  DeleteParameters, DescribeParameters, AddTagsToResource, RemoveTagsFromResource,
  ListTagsForResource
}

export const ssm: Service = {
  name: 'ssm',
  model: 'ssm',
  protocol: 'json',
  signingName: 'ssm',
  actionPrefix: 'ssm',
  targetPrefix: 'AmazonSSM',
  checkPatterns: true,
  // SSM answers framework validation as ValidationException `1 validation error detected: ...`.
  invalidInput: failures => new AwsError('ValidationException', validationMessage(failures)),
  operations: ssmOperations
}
