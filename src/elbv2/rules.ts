/**
 * The Application Load Balancer rule engine, as a pure function: which rule of a listener wins a
 * request, and what its action resolves to (a target group, a fixed response, a redirect). Also
 * the load balancer's own answers the data plane serves (502, 503, 504) and the fail-open choice
 * of targets. No sockets and no store here; the data plane calls these per request.
 *
 * Behaviour follows AWS's "Listener rules for your Application Load Balancer", "Condition types
 * for listener rules" and "Action types for listener rules" pages and the 2015-12-01 model's
 * documentation of each condition config.
 */
import { STATUS_CODES } from 'node:http'
import type {
  Action, FixedResponseActionConfig, RedirectActionConfig, Rule, RuleCondition,
  TargetGroupStickinessConfig, TargetGroupTuple
} from './rules-types.js'

/** A request as the listener received it. */
export interface RoutedRequest {
  method: string
  /** The path only; a `?query` left on it is split off. */
  path: string
  /** The raw query string (no leading `?`), or its decoded pairs in order. */
  query?: string | readonly (readonly [string, string])[]
  /** The Host header as sent (the port, if any, is ignored for matching). */
  host: string
  /** Header names lower-cased; a header sent more than once as an array, in order. */
  headers: Readonly<Record<string, string | readonly string[] | undefined>>
  /** The address of the connecting client (X-Forwarded-For is not consulted). */
  sourceIp: string
  protocol: 'http' | 'https'
  /** The listener port. */
  port: number
}

/** A response the load balancer writes itself. */
export interface ElbResponse {
  statusCode: number
  statusMessage: string
  /** Lower-cased: `server`, `content-type`, `content-length`; `location` on a redirect. */
  headers: Record<string, string>
  body: string
}

export type RuleOutcome =
  | {
    kind: 'forward'
    rule: Rule
    action: Action
    targetGroupArn: string
    /** The rule's target group stickiness (the `AWSALBTG` cookie), left to the data plane. */
    stickiness?: TargetGroupStickinessConfig
  }
  | { kind: 'respond', rule: Rule, action?: Action, response: ElbResponse }

export type Random = () => number

// ---------------------------------------------------------------- the load balancer's own pages

export const ELB_SERVER = 'awselb/2.0'

// ALB's reason phrases are nginx's (e.g. "503 Service Temporarily Unavailable").
const REASONS: Record<number, string> = {
  301: 'Moved Permanently',
  302: 'Found',
  502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Time-out'
}

const reasonOf = (status: number): string => REASONS[status] ?? STATUS_CODES[status] ?? ''

/** The HTML page ALB answers with for its own errors and redirects (CRLF line ends). */
function elbPage (status: number): string {
  const title = `${status} ${reasonOf(status)}`
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n` +
    `<center><h1>${title}</h1></center>\r\n</body>\r\n</html>\r\n`
}

function respond (statusCode: number, contentType: string, body: string,
  more: Record<string, string> = {}): ElbResponse {
  const headers: Record<string, string> = {
    server: ELB_SERVER,
    'content-type': contentType,
    'content-length': String(Buffer.byteLength(body)),
    ...more
  }
  return { statusCode, statusMessage: reasonOf(statusCode), headers, body }
}

function elbError (status: 502 | 503 | 504): ElbResponse {
  return Object.freeze(respond(status, 'text/html', elbPage(status))) as ElbResponse
}

/** A target reset or refused the connection, or answered malformed (content-length 122). */
export const ELB_502 = elbError(502)
/** No registered target, or no routable target group (content-length 162, as observed). */
export const ELB_503 = elbError(503)
/**
 * No answer within the idle timeout. (unconfirmed) 132 bytes, derived from the 502/503 pages;
 * older load balancers were seen sending `<body bgcolor="white">` (148 bytes).
 */
export const ELB_504 = elbError(504)

/** The text of the three error pages, for the data plane and tests. */
export const ELB_ERROR_BODIES = {
  502: ELB_502.body,
  503: ELB_503.body,
  504: ELB_504.body
} as const

// ---------------------------------------------------------------- evaluation

/**
 * The winning rule and its resolved action: rules in priority order (numeric ascending, the
 * default rule last); a rule wins when all its conditions match; within one condition any value
 * may match. `undefined` when nothing matches (a listener without a default rule).
 */
export function evaluateRules (rules: readonly Rule[], request: RoutedRequest,
  random: Random = Math.random): RuleOutcome | undefined {
  const req = normalize(request)
  const wins = (r: Rule): boolean => (r.Conditions ?? []).every(c => conditionMatches(c, req))
  const rule = orderRules(rules).find(wins)
  if (rule === undefined) return undefined
  return resolveAction(rule, req, random)
}

/** Rules in the order a listener evaluates them. */
export function orderRules (rules: readonly Rule[]): Rule[] {
  const rank = (r: Rule): number =>
    r.IsDefault === true || r.Priority === 'default' ? Infinity : Number(r.Priority ?? Infinity)
  return [...rules].sort((a, b) => rank(a) - rank(b))
}

interface NormalRequest extends RoutedRequest {
  path: string
  rawQuery: string
  pairs: readonly (readonly [string, string])[]
  hostname: string
}

function normalize (request: RoutedRequest): NormalRequest {
  let path = request.path
  let query = request.query
  const mark = path.indexOf('?')
  if (mark >= 0) {
    query ??= path.slice(mark + 1)
    path = path.slice(0, mark)
  }
  const raw = typeof query === 'string' ? query.split('#')[0] : encodePairs(query ?? [])
  const pairs = typeof query === 'string' ? parseQuery(raw) : query ?? []
  return { ...request, path, rawQuery: raw, pairs, hostname: hostWithoutPort(request.host) }
}

// ---------------------------------------------------------------- conditions

function conditionMatches (condition: RuleCondition, req: NormalRequest): boolean {
  switch (condition.Field) {
    case 'path-pattern': return pathMatches(condition, req.path)
    case 'host-header': return hostMatches(condition, req.hostname)
    case 'http-header': return headerMatches(condition, req.headers)
    case 'http-request-method': return methodMatches(condition, req.method)
    case 'query-string': return queryMatches(condition, req.pairs)
    case 'source-ip': return sourceIpMatches(condition, req.sourceIp)
    default: return false // (unconfirmed) a field the engine does not know never matches
  }
}

/** Case-sensitive, against the path only (never the query string). */
function pathMatches (c: RuleCondition, path: string): boolean {
  const config = c.PathPatternConfig
  const values = config === undefined ? c.Values : config.Values
  const regexes = config?.RegexValues ?? c.RegexValues
  return (values ?? []).some(p => wildcardMatch(p, path)) ||
    (regexes ?? []).some(r => regexMatch(r, path, ''))
}

/** Case-insensitive, against the Host without its port. */
function hostMatches (c: RuleCondition, host: string): boolean {
  const config = c.HostHeaderConfig
  const values = config === undefined ? c.Values : config.Values
  const regexes = config?.RegexValues ?? c.RegexValues
  return (values ?? []).some(p => wildcardMatch(p, host, { ignoreCase: true })) ||
    (regexes ?? []).some(r => regexMatch(r, host, 'i'))
}

/** The header name case-insensitive; values case-insensitive with wildcards, any occurrence. */
function headerMatches (c: RuleCondition, headers: RoutedRequest['headers']): boolean {
  const name = c.HttpHeaderConfig?.HttpHeaderName?.toLowerCase()
  if (name === undefined) return false
  const sent = headerValues(headers, name)
  const values = c.HttpHeaderConfig?.Values ?? []
  const regexes = c.HttpHeaderConfig?.RegexValues ?? c.RegexValues ?? []
  return sent.some(v => values.some(p => wildcardMatch(p, v, { ignoreCase: true })) ||
    regexes.some(r => regexMatch(r, v, 'i')))
}

function headerValues (headers: RoutedRequest['headers'], name: string): readonly string[] {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name || value === undefined) continue
    return typeof value === 'string' ? [value] : value
  }
  return []
}

/** Case-sensitive and exact: no wildcards. */
function methodMatches (c: RuleCondition, method: string): boolean {
  return (c.HttpRequestMethodConfig?.Values ?? []).includes(method)
}

/**
 * Each `{Key?, Value}` case-insensitive with wildcards (`\*`, `\?` for the literal characters)
 * against the decoded pairs; a pair without `Key` matches the value of any key.
 */
function queryMatches (c: RuleCondition, pairs: readonly (readonly [string, string])[]): boolean {
  const opts = { ignoreCase: true, escapes: true }
  return (c.QueryStringConfig?.Values ?? []).some(want => pairs.some(([key, value]) =>
    (want.Key === undefined || wildcardMatch(want.Key, key, opts)) &&
    wildcardMatch(want.Value ?? '', value, opts)))
}

/** CIDR blocks, IPv4 and IPv6, against the connecting address. */
function sourceIpMatches (c: RuleCondition, sourceIp: string): boolean {
  return (c.SourceIpConfig?.Values ?? []).some(cidr => cidrContains(cidr, sourceIp))
}

// ---------------------------------------------------------------- matching helpers

export interface WildcardOptions {
  ignoreCase?: boolean
  /** `\*` and `\?` stand for the literal characters (query-string conditions). */
  escapes?: boolean
}

type Token = { kind: 'star' } | { kind: 'one' } | { kind: 'char', char: string }

function tokenize (pattern: string, escapes: boolean): Token[] {
  const tokens: Token[] = []
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]
    const next = pattern[i + 1]
    if (escapes && ch === '\\' && (next === '*' || next === '?')) {
      tokens.push({ kind: 'char', char: next })
      i++
    } else if (ch === '*') tokens.push({ kind: 'star' })
    else if (ch === '?') tokens.push({ kind: 'one' })
    else tokens.push({ kind: 'char', char: ch })
  }
  return tokens
}

/** `*` matches zero or more characters, `?` exactly one; the whole value must match. */
export function wildcardMatch (pattern: string, value: string,
  options: WildcardOptions = {}): boolean {
  const fold = (s: string): string => options.ignoreCase === true ? s.toLowerCase() : s
  const tokens = tokenize(fold(pattern), options.escapes === true)
  const text = fold(value)
  let t = 0
  let v = 0
  let star = -1
  let resume = 0
  while (v < text.length) {
    const tok = tokens[t]
    const same = tok?.kind === 'one' || (tok?.kind === 'char' && tok.char === text[v])
    if (same) {
      t++
      v++
    } else if (tok !== undefined && tok.kind === 'star') {
      star = t++
      resume = v
    } else if (star >= 0) {
      t = star + 1
      v = ++resume
    } else return false
  }
  while (tokens[t]?.kind === 'star') t++
  return t === tokens.length
}

/** (unconfirmed) A regex value matches anywhere in the value unless it anchors itself. */
function regexMatch (source: string, value: string, flags: string): boolean {
  try {
    return new RegExp(source, flags).test(value)
  } catch {
    return false
  }
}

/** The Host without its port: `a.example.com:8080` → `a.example.com`, `[::1]:80` → `[::1]`. */
export function hostWithoutPort (host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']')
    return end < 0 ? host : host.slice(0, end + 1)
  }
  const colon = host.indexOf(':')
  return colon >= 0 && colon === host.lastIndexOf(':') ? host.slice(0, colon) : host
}

/**
 * The decoded key/value pairs of a raw query string, in order. A part without `=` is a key with
 * an empty value. (unconfirmed) `+` is kept as `+`; only percent-encoding is decoded.
 */
export function parseQuery (raw: string): [string, string][] {
  return raw.split('&').filter(part => part !== '').map(part => {
    const eq = part.indexOf('=')
    const key = eq < 0 ? part : part.slice(0, eq)
    const value = eq < 0 ? '' : part.slice(eq + 1)
    return [decode(key), decode(value)]
  })
}

function decode (s: string): string {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

function encodePairs (pairs: readonly (readonly [string, string])[]): string {
  return pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')
}

// ---------------------------------------------------------------- addresses

interface Address { family: 4 | 6, bits: bigint }

/** Whether `ip` lies in `cidr`; an IPv4-mapped IPv6 client (`::ffff:a.b.c.d`) counts as IPv4. */
export function cidrContains (cidr: string, ip: string): boolean {
  const [base, prefixText] = cidr.split('/')
  const block = parseIp(base)
  const client = unmap(parseIp(ip))
  if (block === undefined || client === undefined || block.family !== client.family) return false
  const width = block.family === 4 ? 32 : 128
  const prefix = prefixText === undefined ? width : Number(prefixText)
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > width) return false
  const shift = BigInt(width - prefix)
  return (block.bits >> shift) === (client.bits >> shift)
}

function unmap (a: Address | undefined): Address | undefined {
  if (a === undefined || a.family === 4 || (a.bits >> 32n) !== 0xffffn) return a
  return { family: 4, bits: a.bits & 0xffffffffn }
}

export function parseIp (text: string): Address | undefined {
  const ip = text.trim().replace(/%.*$/, '')
  if (ip.includes(':')) {
    const bits = parseIpv6(ip)
    return bits === undefined ? undefined : { family: 6, bits }
  }
  const bits = parseIpv4(ip)
  return bits === undefined ? undefined : { family: 4, bits }
}

function parseIpv4 (ip: string): bigint | undefined {
  const parts = ip.split('.')
  const octet = (p: string): boolean => /^\d{1,3}$/.test(p) && Number(p) <= 255
  if (parts.length !== 4 || !parts.every(octet)) return undefined
  return parts.reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n)
}

function parseIpv6 (ip: string): bigint | undefined {
  const halves = ip.split('::')
  if (halves.length > 2) return undefined
  const groups = (s: string): string[] | undefined => {
    if (s === '') return []
    const parts = s.split(':')
    const last = parts[parts.length - 1]
    if (last.includes('.')) {
      const v4 = parseIpv4(last)
      if (v4 === undefined) return undefined
      parts.splice(-1, 1, (v4 >> 16n).toString(16), (v4 & 0xffffn).toString(16))
    }
    return parts.every(p => /^[0-9a-f]{1,4}$/i.test(p)) ? parts : undefined
  }
  const head = groups(halves[0])
  const tail = halves.length === 2 ? groups(halves[1]) : []
  if (head === undefined || tail === undefined) return undefined
  const missing = 8 - head.length - tail.length
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined
  const all = [...head, ...Array<string>(missing).fill('0'), ...tail]
  return all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n)
}

// ---------------------------------------------------------------- actions

const ROUTING = new Set(['forward', 'redirect', 'fixed-response'])

/**
 * The rule's routing action, first by `Order` (lowest first). Authentication actions
 * (`authenticate-oidc`, `authenticate-cognito`, `jwt-validation`) that precede it are not
 * emulated: the request passes them as if authenticated.
 */
export function routingAction (actions: readonly Action[]): Action | undefined {
  const ordered = [...actions].sort((a, b) => (a.Order ?? Infinity) - (b.Order ?? Infinity))
  return ordered.find(a => ROUTING.has(a.Type))
}

function resolveAction (rule: Rule, req: NormalRequest, random: Random): RuleOutcome {
  const action = routingAction(rule.Actions ?? [])
  // (unconfirmed) AWS never stores a rule without a routing action; answer as for no target.
  if (action === undefined) return { kind: 'respond', rule, response: ELB_503 }
  if (action.Type === 'fixed-response' && action.FixedResponseConfig !== undefined) {
    return { kind: 'respond', rule, action, response: fixedResponse(action.FixedResponseConfig) }
  }
  if (action.Type === 'redirect' && action.RedirectConfig !== undefined) {
    return { kind: 'respond', rule, action, response: redirectResponse(action.RedirectConfig, req) }
  }
  return forward(rule, action, random)
}

function forward (rule: Rule, action: Action, random: Random): RuleOutcome {
  const single = action.TargetGroupArn
  const groups = action.ForwardConfig?.TargetGroups ??
    (single === undefined ? [] : [{ TargetGroupArn: single, Weight: 1 }])
  const targetGroupArn = pickTargetGroup(groups, random)
  // (unconfirmed) every group weighted 0: nowhere to send the request; ALB's 503.
  if (targetGroupArn === undefined) return { kind: 'respond', rule, action, response: ELB_503 }
  const stickiness = action.ForwardConfig?.TargetGroupStickinessConfig
  return stickiness?.Enabled === true
    ? { kind: 'forward', rule, action, targetGroupArn, stickiness }
    : { kind: 'forward', rule, action, targetGroupArn }
}

/**
 * One target group of a weighted forward, in proportion to the weights (0..999): a group of
 * weight 0 is never chosen; `undefined` when every weight is 0. `random()` is in [0, 1).
 * (unconfirmed) A tuple without `Weight` counts as weight 1, as DescribeRules reports it.
 */
export function pickTargetGroup (groups: readonly TargetGroupTuple[],
  random: Random): string | undefined {
  const weighted = groups
    .filter(g => g.TargetGroupArn !== undefined)
    .map(g => ({ arn: g.TargetGroupArn as string, weight: Math.max(0, g.Weight ?? 1) }))
  const total = weighted.reduce((sum, g) => sum + g.weight, 0)
  if (total === 0) return undefined
  let point = Math.floor(random() * total)
  for (const g of weighted) {
    if (point < g.weight) return g.arn
    point -= g.weight
  }
  return weighted.filter(g => g.weight > 0).at(-1)?.arn
}

/**
 * The response of a `fixed-response` action. (unconfirmed) Without `ContentType` ALB answers
 * `text/plain; charset=utf-8`.
 */
export function fixedResponse (config: FixedResponseActionConfig): ElbResponse {
  const type = config.ContentType ?? 'text/plain; charset=utf-8'
  return respond(Number(config.StatusCode), type, config.MessageBody ?? '')
}

/** The response of a `redirect` action: ALB's HTML page and the built `Location`. */
export function redirectResponse (config: RedirectActionConfig,
  request: RoutedRequest): ElbResponse {
  const status = config.StatusCode === 'HTTP_301' ? 301 : 302
  const location = redirectLocation(config, request)
  return respond(status, 'text/html', elbPage(status), { location })
}

/**
 * The `Location` of a redirect. Each component defaults to the original one (`#{protocol}`,
 * `#{host}`, `#{port}`, `/#{path}`, `#{query}`); the keywords are replaced in every component;
 * `#{path}` is the original path without its leading `/`; an empty query leaves no `?`.
 * ALB writes the port even when it is the scheme's default (`Location: https://example.com:443/`,
 * as observed from real load balancers).
 */
export function redirectLocation (config: RedirectActionConfig, request: RoutedRequest): string {
  const req = normalize(request)
  const keywords: Record<string, string> = {
    protocol: req.protocol,
    host: req.hostname,
    port: String(req.port),
    path: req.path.replace(/^\//, ''),
    query: req.rawQuery
  }
  const fill = (template: string): string =>
    template.replace(/#\{(protocol|host|port|path|query)\}/g, (_, name: string) => keywords[name])
  const protocol = fill(config.Protocol ?? '#{protocol}').toLowerCase()
  const host = fill(config.Host ?? '#{host}')
  const port = fill(config.Port ?? '#{port}')
  const path = fill(config.Path ?? '/#{path}')
  const query = fill(config.Query ?? '#{query}')
  return `${protocol}://${host}:${port}${path}${query === '' ? '' : `?${query}`}`
}

// ---------------------------------------------------------------- targets

const wireState = (target: unknown): string | undefined =>
  (target as { TargetHealth?: { State?: string } }).TargetHealth?.State

/**
 * The targets of a group that may receive a request: the `healthy` ones; when there are none,
 * all the `unhealthy` ones ("If a target group contains only unhealthy registered targets, the
 * load balancer routes requests to all those targets": ALB fails open). Targets that are
 * `initial`, `draining`, `unhealthy.draining`, `unused` or `unavailable` never receive new
 * requests; (unconfirmed) `initial` ones beside unhealthy ones do not stop the fail-open. An
 * empty answer means ALB's 503 (`ELB_503`). `stateOf` reads the health state (default: the wire
 * shape's `TargetHealth.State`). Target group health thresholds (routing failover) are not
 * modelled.
 */
export function failOpen<T> (targets: readonly T[],
  stateOf: (target: T) => string | undefined = wireState): T[] {
  const healthy = targets.filter(t => stateOf(t) === 'healthy')
  if (healthy.length > 0) return healthy
  return targets.filter(t => stateOf(t) === 'unhealthy')
}
