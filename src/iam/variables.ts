/**
 * Policy variables (`${aws:username}`, `${aws:PrincipalTag/team, 'none'}`, `${*}` ...).
 * A template is parsed once into tokens; resolving it against a request yields parts whose
 * substituted text is literal (never a wildcard), or `undefined` when a variable has no
 * value.
 */

import { escapeRegExp, globSource } from './matching.js'

export type Token =
  | { kind: 'text'; text: string }
  | { kind: 'literal'; text: string }
  | { kind: 'var'; key: string; fallback?: string }

export interface ParsedTemplate {
  tokens: Token[]
  hasVars: boolean
}

export type Template = ParsedTemplate | { error: string }

export interface Part {
  text: string
  /** Substituted text: matched literally even by wildcard operators. */
  literal: boolean
}

/** Value of a single-valued context key; multivalued and absent keys give undefined. */
export type Lookup = (key: string) => string | undefined

const SPECIALS: Record<string, string> = { '*': '*', '?': '?', $: '$' }
const KEY_SYNTAX = /^[A-Za-z0-9_.-]+:[A-Za-z0-9_.:/+=@-]+$/
const CACHE_LIMIT = 20_000
const templates = new Map<string, Template>()

/** A template whose text is taken as written (policies without Version 2012-10-17). */
export function plainTemplate(text: string): ParsedTemplate {
  return { tokens: [{ kind: 'text', text }], hasVars: false }
}

export function parseTemplate(raw: string): Template {
  let t = templates.get(raw)
  if (t) return t
  if (templates.size >= CACHE_LIMIT) templates.clear()
  t = raw.includes('${') ? scan(raw) : plainTemplate(raw)
  templates.set(raw, t)
  return t
}

function scan(raw: string): Template {
  const tokens: Token[] = []
  let pos = 0
  while (pos < raw.length) {
    const start = raw.indexOf('${', pos)
    if (start < 0) break
    if (start > pos) tokens.push({ kind: 'text', text: raw.slice(pos, start) })
    const end = closingBrace(raw, start + 2)
    if (end < 0) return { error: `unterminated policy variable in '${raw}'` }
    const token = variableToken(raw.slice(start + 2, end))
    if (!token) return { error: `invalid policy variable '${raw.slice(start, end + 1)}'` }
    tokens.push(token)
    pos = end + 1
  }
  if (pos < raw.length) tokens.push({ kind: 'text', text: raw.slice(pos) })
  return { tokens, hasVars: true }
}

/** Index of the `}` closing a variable, skipping quoted default values. */
function closingBrace(raw: string, from: number): number {
  let quoted = false
  for (let i = from; i < raw.length; i++) {
    const ch = raw[i]
    if (ch === "'") quoted = !quoted
    else if (ch === '}' && !quoted) return i
  }
  return -1
}

function variableToken(body: string): Token | undefined {
  const special = SPECIALS[body]
  if (special !== undefined) return { kind: 'literal', text: special }
  const comma = body.indexOf(',')
  const key = (comma < 0 ? body : body.slice(0, comma)).trim()
  if (!KEY_SYNTAX.test(key)) return undefined
  if (comma < 0) return { kind: 'var', key: key.toLowerCase() }
  const fallback = quotedDefault(body.slice(comma + 1).trim())
  if (fallback === undefined) return undefined
  return { kind: 'var', key: key.toLowerCase(), fallback }
}

/** `'text'` with `''` standing for one quote. */
function quotedDefault(text: string): string | undefined {
  const m = /^'((?:[^']|'')*)'$/.exec(text)
  return m ? m[1].replace(/''/g, "'") : undefined
}

/** The template's parts for this request, or undefined when a variable has no value. */
export function resolve(template: Template, lookup: Lookup): Part[] | undefined {
  if ('error' in template) return undefined
  const parts: Part[] = []
  for (const token of template.tokens) {
    if (token.kind !== 'var') {
      parts.push({ text: token.text, literal: token.kind === 'literal' })
      continue
    }
    const value = lookup(token.key) ?? token.fallback
    if (value === undefined) return undefined
    parts.push({ text: value, literal: true })
  }
  return parts
}

export function partsText(parts: Part[]): string {
  let out = ''
  for (const p of parts) out += p.text
  return out
}

/** Regex source: `*` and `?` of the policy text are wildcards, substitutions literal. */
export function partsGlobSource(parts: Part[]): string {
  let out = ''
  for (const p of parts) out += p.literal ? escapeRegExp(p.text) : globSource(p.text)
  return out
}

/** Whether the parts contain a wildcard that must be matched by regex. */
export function partsHaveWildcard(parts: Part[]): boolean {
  return parts.some((p) => !p.literal && /[*?]/.test(p.text))
}

/** Splits parts on `sep` into at most `limit` pieces; the last keeps any later `sep`. */
export function splitParts(parts: Part[], sep: string, limit: number): Part[][] {
  const pieces: Part[][] = [[]]
  for (const part of parts) {
    let text = part.text
    let i = text.indexOf(sep)
    while (i >= 0 && pieces.length < limit) {
      pieces[pieces.length - 1].push({ text: text.slice(0, i), literal: part.literal })
      pieces.push([])
      text = text.slice(i + sep.length)
      i = text.indexOf(sep)
    }
    pieces[pieces.length - 1].push({ text, literal: part.literal })
  }
  return pieces
}
