/**
 * nextToken/maxResults paging over a list already in its final order. The token is opaque to
 * clients; inside it is the position after the last item returned.
 */
import { ecsErrors } from './errors.js'

export interface Page<T> { items: T[], nextToken?: string }

export interface PageLimits {
  /** Page size when maxResults is absent. */
  fallback: number
  /** The largest maxResults AWS accepts. */
  max: number
}

export function paginate<T> (items: readonly T[], maxResults: number | undefined,
  nextToken: string | undefined, limits: PageLimits): Page<T> {
  if (maxResults !== undefined && (maxResults < 1 || maxResults > limits.max)) {
    throw ecsErrors.maxResults(limits.max)
  }
  const start = nextToken === undefined ? 0 : decode(nextToken)
  const size = maxResults ?? limits.fallback
  const end = start + size
  const page = items.slice(start, end)
  return end < items.length ? { items: page, nextToken: encode(end) } : { items: page }
}

const encode = (position: number): string =>
  Buffer.from(JSON.stringify({ position })).toString('base64')

function decode (token: string): number {
  let position: unknown
  try {
    const text = Buffer.from(token, 'base64').toString('utf8')
    position = (JSON.parse(text) as { position?: unknown }).position
  } catch {}
  const valid = typeof position === 'number' && Number.isInteger(position) && position >= 0
  if (!valid) throw ecsErrors.badNextToken()
  return position as number
}
