/**
 * Wildcard matching for IAM policy elements. Every pattern is turned into an anchored
 * regular expression once and cached, with all regex metacharacters escaped: only `*`
 * (any run of characters, `:` and `/` included) and `?` (one character) are special.
 */

const CACHE_LIMIT = 20_000
const cache = new Map<string, RegExp>()

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}

/** Regex source for an IAM wildcard pattern. */
export function globSource(glob: string): string {
  let out = ''
  for (const ch of glob) {
    if (ch === '*') out += '.*'
    else if (ch === '?') out += '.'
    else out += escapeRegExp(ch)
  }
  return out
}

/** An anchored, cached regex for a regex source (already escaped). */
export function sourceRegExp(source: string, ignoreCase = false): RegExp {
  const key = (ignoreCase ? 'i:' : 's:') + source
  let re = cache.get(key)
  if (re) return re
  if (cache.size >= CACHE_LIMIT) cache.clear()
  re = new RegExp(`^(?:${source})$`, ignoreCase ? 'isu' : 'su')
  cache.set(key, re)
  return re
}

/** An anchored, cached regex for an IAM wildcard pattern. */
export function globRegExp(glob: string, ignoreCase = false): RegExp {
  const key = (ignoreCase ? 'gi:' : 'gs:') + glob
  let re = cache.get(key)
  if (re) return re
  re = sourceRegExp(globSource(glob), ignoreCase)
  cache.set(key, re)
  return re
}

export function globMatch(glob: string, value: string, ignoreCase = false): boolean {
  if (glob === '*') return true
  if (!glob.includes('*') && !glob.includes('?')) {
    return ignoreCase ? glob.toLowerCase() === value.toLowerCase() : glob === value
  }
  return globRegExp(glob, ignoreCase).test(value)
}

export interface ActionName {
  service: string
  name: string
}

export function splitAction(action: string): ActionName | undefined {
  const i = action.indexOf(':')
  if (i <= 0) return undefined
  return { service: action.slice(0, i), name: action.slice(i + 1) }
}

export type ActionMatcher = (action: ActionName) => boolean

const never: ActionMatcher = () => false
const always: ActionMatcher = () => true

/**
 * `*` matches every action; otherwise the pattern is `service:Action`, each side matched
 * case-insensitively on its own, so a wildcard never crosses the `:`. A pattern without a
 * service prefix matches nothing (IAM rejects such a policy).
 */
export function compileAction(pattern: string): ActionMatcher {
  if (pattern === '*') return always
  const parts = splitAction(pattern)
  if (!parts) return never
  const service = globRegExp(parts.service, true)
  const name = globRegExp(parts.name, true)
  return (action) => service.test(action.service) && name.test(action.name)
}
