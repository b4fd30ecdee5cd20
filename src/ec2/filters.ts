/**
 * EC2's `Filter.N.Name` / `Filter.N.Value.M` on Describe calls: every filter must match (AND),
 * any of a filter's values may (OR); values take `*` and `?` wildcards; `tag:KEY`, `tag-key`
 * and `tag-value` work on every taggable resource. An unknown filter name is refused.
 */
import { ec2Errors } from './errors.js'
import type { Ec2Tag } from './network.js'

export interface Filter { Name?: string, Values?: string[] }

type FieldValue = string | number | boolean | undefined
/** A filter's values for an item: the item matches when any of them matches. */
export type FilterFields<T> = Record<string, (item: T) => FieldValue | FieldValue[]>

export function applyFilters<T> (items: T[], filters: Filter[] | undefined, fields: FilterFields<T>,
  tagsOf?: (item: T) => Ec2Tag[]): T[] {
  if (filters === undefined || filters.length === 0) return items
  const tests = filters.map(f => test(f, fields, tagsOf))
  return items.filter(item => tests.every(t => t(item)))
}

function test<T> (f: Filter, fields: FilterFields<T>,
  tagsOf?: (item: T) => Ec2Tag[]): (item: T) => boolean {
  const name = f.Name ?? ''
  const patterns = (f.Values ?? []).map(wildcard)
  const matches = (values: FieldValue[]): boolean =>
    values.some(v => v !== undefined && patterns.some(p => p.test(String(v))))
  if (tagsOf !== undefined && name.startsWith('tag:')) {
    const key = name.slice(4)
    return item => matches(tagsOf(item).filter(t => t.key === key).map(t => t.value))
  }
  if (tagsOf !== undefined && name === 'tag-key') {
    return item => matches(tagsOf(item).map(t => t.key))
  }
  if (tagsOf !== undefined && name === 'tag-value') {
    return item => matches(tagsOf(item).map(t => t.value))
  }
  const field = Object.prototype.hasOwnProperty.call(fields, name) ? fields[name] : undefined
  if (field === undefined) throw ec2Errors.invalidFilter(name)
  return item => {
    const v = field(item)
    return matches(Array.isArray(v) ? v : [v])
  }
}

function wildcard (value: string): RegExp {
  const source = value.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')
  return new RegExp(`^${source}$`, 's')
}

/** `MaxResults` / `NextToken` over a list: the token is the offset, as opaque text. */
export function page<T> (items: T[], maxResults: number | undefined,
  nextToken: string | undefined): { items: T[], nextToken?: string } {
  const start = nextToken === undefined
    ? 0
    : Number(Buffer.from(nextToken, 'base64url').toString('utf8'))
  if (!Number.isInteger(start) || start < 0) {
    // (unconfirmed) wording
    throw ec2Errors.invalidParameterValue(`Invalid value '${nextToken}' for nextToken.`)
  }
  if (maxResults === undefined) return { items: items.slice(start) }
  const end = start + maxResults
  return {
    items: items.slice(start, end),
    nextToken: end < items.length ? Buffer.from(String(end)).toString('base64url') : undefined
  }
}
