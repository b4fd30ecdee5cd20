import { describe, expect, it } from 'vitest'
import {
  ELB_502, ELB_503, ELB_504, cidrContains, evaluateRules, failOpen, hostWithoutPort,
  parseQuery, pickTargetGroup, redirectLocation, wildcardMatch,
  type RoutedRequest, type RuleOutcome
} from '../../src/elbv2/rules.js'
import type { Action, RedirectActionConfig, Rule, RuleCondition } from '../../src/elbv2/rules-types.js'

const TG = (name: string): string =>
  `arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/${name}/0123456789abcdef`

const to = (name: string): Action => ({ Type: 'forward', TargetGroupArn: TG(name) })

let n = 0
function rule (priority: string, conditions: RuleCondition[],
  action: Action = to(`p${priority}`)): Rule {
  return {
    RuleArn: `arn:aws:elasticloadbalancing:us-east-1:000000000000:listener-rule/app/a/1/2/${n++}`,
    Priority: priority,
    IsDefault: priority === 'default',
    Conditions: conditions,
    Actions: [action]
  }
}

const fallback = rule('default', [], to('default'))

function request (more: Partial<RoutedRequest> = {}): RoutedRequest {
  return {
    method: 'GET',
    path: '/',
    query: '',
    host: 'example.com',
    headers: {},
    sourceIp: '203.0.113.7',
    protocol: 'http',
    port: 80,
    ...more
  }
}

/** The target group a request reaches (or `status N` for a load balancer response). */
function route (rules: Rule[], more: Partial<RoutedRequest> = {}): string | undefined {
  return describeOutcome(evaluateRules(rules, request(more)))
}

function describeOutcome (outcome: RuleOutcome | undefined): string | undefined {
  if (outcome === undefined) return undefined
  if (outcome.kind === 'respond') return `status ${outcome.response.statusCode}`
  return outcome.targetGroupArn.split('/')[1]
}

const path = (...values: string[]): RuleCondition =>
  ({ Field: 'path-pattern', PathPatternConfig: { Values: values } })
const host = (...values: string[]): RuleCondition =>
  ({ Field: 'host-header', HostHeaderConfig: { Values: values } })
const header = (name: string, ...values: string[]): RuleCondition =>
  ({ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: name, Values: values } })
const method = (...values: string[]): RuleCondition =>
  ({ Field: 'http-request-method', HttpRequestMethodConfig: { Values: values } })
const query = (...values: { Key?: string, Value: string }[]): RuleCondition =>
  ({ Field: 'query-string', QueryStringConfig: { Values: values } })
const sourceIp = (...values: string[]): RuleCondition =>
  ({ Field: 'source-ip', SourceIpConfig: { Values: values } })

/** One rule with `condition`, then the default: `hit` or `default`. */
const matches = (condition: RuleCondition, more: Partial<RoutedRequest>): boolean =>
  route([rule('1', [condition], to('hit')), fallback], more) === 'hit'

describe('evaluateRules priority order', () => {
  const rules = [
    fallback,
    rule('10', [path('/api/*')], to('ten')),
    rule('9', [path('/api/v1/*')], to('nine')),
    rule('200', [path('*')], to('catch-all'))
  ]

  it.each([
    ['/api/v1/users', 'nine'], // 9 before 10: numeric, not string order
    ['/api/v2/users', 'ten'],
    ['/other', 'catch-all']
  ])('routes %s to %s', (p, want) => {
    expect(route(rules, { path: p })).toBe(want)
  })

  it('evaluates the default rule last wherever it is listed', () => {
    expect(route([fallback, rule('5', [path('/x')], to('x'))], { path: '/x' })).toBe('x')
  })

  it('performs the default action when no other rule matches', () => {
    expect(route([rule('1', [path('/img/*')]), fallback], { path: '/index.html' })).toBe('default')
  })

  it('requires every condition of a rule (AND) and any value of one condition (OR)', () => {
    const rules = [rule('1', [host('a.example.com', 'b.example.com'), path('/x')], to('hit')), fallback]
    expect(route(rules, { host: 'b.example.com', path: '/x' })).toBe('hit')
    expect(route(rules, { host: 'b.example.com', path: '/y' })).toBe('default')
    expect(route(rules, { host: 'c.example.com', path: '/x' })).toBe('default')
  })

  it('answers nothing when no rule matches and there is no default rule', () => {
    expect(evaluateRules([rule('1', [path('/a')])], request({ path: '/b' }))).toBeUndefined()
  })
})

describe('path-pattern', () => {
  it.each([
    ['/img/*', '/img/a.png', true],
    ['/img/*', '/img/', true],
    ['/img/*', '/img', false],
    ['/img/*', '/IMG/a.png', false], // case-sensitive
    ['/img/*/pics', '/img/2024/pics', true],
    ['/img/*/pics', '/img/2024/pics/1', false],
    ['/file?.txt', '/file1.txt', true],
    ['/file?.txt', '/file.txt', false], // ? is exactly one character
    ['/file?.txt', '/file12.txt', false],
    ['*', '/anything/at/all', true],
    ['/search', '/search', true]
  ])('%s against %s is %s', (pattern, p, want) => {
    expect(matches(path(pattern), { path: p })).toBe(want)
  })

  it('compares the path only, never the query string', () => {
    expect(matches(path('/search'), { path: '/search', query: 'q=1' })).toBe(true)
    expect(matches(path('*q=1*'), { path: '/search', query: 'q=1' })).toBe(false)
    expect(matches(path('/search'), { path: '/search?q=1', query: undefined })).toBe(true)
  })

  it('reads the legacy Values member when there is no PathPatternConfig', () => {
    expect(matches({ Field: 'path-pattern', Values: ['/img/*'] }, { path: '/img/x' })).toBe(true)
  })
})

describe('host-header', () => {
  it.each([
    ['example.com', 'example.com', true],
    ['example.com', 'EXAMPLE.COM', true], // case-insensitive
    ['*.example.com', 'test.example.com', true],
    ['*.example.com', 'Test.Example.Com', true],
    ['*.example.com', 'example.com', false],
    ['*.example.com', 'api.example.com:8080', true], // the port is not part of the host
    ['api-?.example.com', 'api-1.example.com', true],
    ['api-?.example.com', 'api-12.example.com', false]
  ])('%s against %s is %s', (pattern, h, want) => {
    expect(matches(host(pattern), { host: h })).toBe(want)
  })

  it.each([
    ['a.example.com:8080', 'a.example.com'],
    ['a.example.com', 'a.example.com'],
    ['[2001:db8::1]:443', '[2001:db8::1]']
  ])('strips the port of %s', (h, want) => {
    expect(hostWithoutPort(h)).toBe(want)
  })
})

describe('http-header', () => {
  const browsers = header('User-Agent', '*Chrome*', '*Safari*')

  it.each([
    [{ 'user-agent': 'Mozilla/5.0 (X11) AppleWebKit Chrome/120.0' }, true],
    [{ 'user-agent': 'mozilla/5.0 safari/605' }, true], // values case-insensitive
    [{ 'user-agent': 'curl/8.5.0' }, false],
    [{}, false]
  ])('User-Agent %j is %s', (headers, want) => {
    expect(matches(browsers, { headers })).toBe(want)
  })

  it('compares the header name case-insensitively', () => {
    const headers = { 'x-custom-header': 'ON' }
    expect(matches(header('X-CUSTOM-Header', 'on'), { headers })).toBe(true)
  })

  it('searches every occurrence of a header sent more than once', () => {
    const headers = { 'x-tenant': ['alpha', 'beta'] }
    expect(matches(header('x-tenant', 'b*'), { headers })).toBe(true)
    expect(matches(header('x-tenant', 'c*'), { headers })).toBe(false)
  })

  it('matches X-Forwarded-For only as a header, never as the source address', () => {
    const headers = { 'x-forwarded-for': '192.0.2.10' }
    expect(matches(header('X-Forwarded-For', '192.0.2.*'), { headers })).toBe(true)
    expect(matches(sourceIp('192.0.2.0/24'), { headers })).toBe(false)
  })
})

describe('http-request-method', () => {
  it.each([
    ['GET', true],
    ['HEAD', true],
    ['get', false], // case-sensitive
    ['POST', false],
    ['G*', false]
  ])('%s is %s', (m, want) => {
    expect(matches(method('GET', 'HEAD'), { method: m })).toBe(want)
  })

  it('takes no wildcards in the condition', () => {
    expect(matches(method('G*'), { method: 'GET' })).toBe(false)
  })
})

describe('query-string', () => {
  it.each<[RuleCondition, string, boolean]>([
    [query({ Key: 'version', Value: 'v1' }), 'version=v1', true],
    [query({ Key: 'version', Value: 'v1' }), 'a=1&version=v1&b=2', true],
    [query({ Key: 'version', Value: 'v1' }), 'VERSION=V1', true], // case-insensitive
    [query({ Key: 'version', Value: 'v1' }), 'version=v2', false],
    [query({ Key: 'version', Value: 'v1' }), 'other=v1', false],
    [query({ Key: 'version', Value: 'v1' }), 'version=v%31', true], // decoded before matching
    [query({ Value: '*example*' }), 'site=www.example.com', true], // no Key: any key's value
    [query({ Value: '*example*' }), 'example=1', false],
    [query({ Key: 'id', Value: '???' }), 'id=123', true],
    [query({ Key: 'id', Value: '???' }), 'id=1234', false],
    [query({ Key: 'q', Value: 'a\\*b' }), 'q=a*b', true], // escaped literal *
    [query({ Key: 'q', Value: 'a\\*b' }), 'q=axb', false],
    [query({ Key: 'q', Value: 'a\\?' }), 'q=a%3F', true],
    [query({ Key: 'version', Value: 'v1' }, { Key: 'beta', Value: 'true' }), 'beta=TRUE', true]
  ])('%j against %s is %s', (condition, q, want) => {
    expect(matches(condition, { query: q })).toBe(want)
  })

  it('accepts the query already parsed into pairs', () => {
    expect(matches(query({ Key: 'version', Value: 'v1' }), { query: [['version', 'v1']] })).toBe(true)
  })

  it('parses a raw query into decoded pairs in order', () => {
    expect(parseQuery('a=1&b&c=%20x&=v')).toEqual([['a', '1'], ['b', ''], ['c', ' x'], ['', 'v']])
  })
})

describe('source-ip', () => {
  it.each([
    ['192.0.2.0/24', '192.0.2.44', true],
    ['192.0.2.0/24', '192.0.3.44', false],
    ['198.51.100.10/32', '198.51.100.10', true],
    ['198.51.100.10/32', '198.51.100.11', false],
    ['0.0.0.0/0', '203.0.113.9', true],
    ['192.0.2.0/24', '::ffff:192.0.2.5', true], // IPv4-mapped client on a dual-stack socket
    ['2001:db8::/32', '2001:db8:1234::1', true],
    ['2001:db8::/32', '2001:db9::1', false],
    ['2001:db8::1/128', '2001:0db8:0000:0000:0000:0000:0000:0001', true],
    ['::/0', '::1', true],
    ['192.0.2.0/24', '2001:db8::1', false],
    ['2001:db8::/32', '192.0.2.1', false]
  ])('%s contains %s: %s', (cidr, ip, want) => {
    expect(cidrContains(cidr, ip)).toBe(want)
  })

  it('routes by the connecting address, with any of the blocks', () => {
    const condition = sourceIp('192.0.2.0/24', '2001:db8::/32')
    expect(matches(condition, { sourceIp: '2001:db8::7' })).toBe(true)
    expect(matches(condition, { sourceIp: '203.0.113.7' })).toBe(false)
  })
})

describe('wildcardMatch', () => {
  it.each([
    ['a*b*c', 'aXXbYYc', true],
    ['a*b*c', 'abc', true],
    ['a*b*c', 'acb', false],
    ['**', '', true],
    ['?', '', false],
    ['*a', 'bbbba', true],
    ['*a', 'bbbab', false]
  ])('%s against %s is %s', (pattern, value, want) => {
    expect(wildcardMatch(pattern, value)).toBe(want)
  })
})

describe('fixed-response', () => {
  it('answers the status, content type and body of the action', () => {
    const action: Action = {
      Type: 'fixed-response',
      FixedResponseConfig: {
        StatusCode: '503', ContentType: 'application/json', MessageBody: '{"down":true}'
      }
    }
    const rules = [rule('1', [path('/maintenance')], action), fallback]
    const outcome = evaluateRules(rules, request({ path: '/maintenance' }))
    expect(outcome).toMatchObject({ kind: 'respond', action })
    if (outcome?.kind !== 'respond') throw new Error('expected a response')
    expect(outcome.response).toEqual({
      statusCode: 503,
      statusMessage: 'Service Temporarily Unavailable',
      headers: { server: 'awselb/2.0', 'content-type': 'application/json', 'content-length': '13' },
      body: '{"down":true}'
    })
  })

  it('defaults to a plain-text content type and an empty body', () => {
    const action: Action = { Type: 'fixed-response', FixedResponseConfig: { StatusCode: '404' } }
    const outcome = evaluateRules([rule('default', [], action)], request())
    if (outcome?.kind !== 'respond') throw new Error('expected a response')
    expect(outcome.response.statusCode).toBe(404)
    expect(outcome.response.statusMessage).toBe('Not Found')
    expect(outcome.response.headers['content-type']).toBe('text/plain; charset=utf-8')
    expect(outcome.response.body).toBe('')
  })
})

describe('redirect', () => {
  const from = request({
    protocol: 'http',
    host: 'www.example.com:8080',
    port: 8080,
    path: '/docs/index.html',
    query: 'lang=en'
  })
  const redirect = (config: Partial<RedirectActionConfig>): string =>
    redirectLocation({ StatusCode: 'HTTP_301', ...config }, from)

  it.each<[Partial<RedirectActionConfig>, string]>([
    [{ Protocol: 'HTTPS', Port: '443' }, 'https://www.example.com:443/docs/index.html?lang=en'],
    [{ Protocol: '#{protocol}' }, 'http://www.example.com:8080/docs/index.html?lang=en'],
    [{ Host: 'example.#{host}' }, 'http://example.www.example.com:8080/docs/index.html?lang=en'],
    [{ Port: '#{port}', Host: 'new.example.com' }, 'http://new.example.com:8080/docs/index.html?lang=en'],
    [{ Path: '/new/#{path}' }, 'http://www.example.com:8080/new/docs/index.html?lang=en'],
    [{ Path: '/#{host}/#{port}' }, 'http://www.example.com:8080/www.example.com/8080?lang=en'],
    [{ Query: '#{query}&value=xyz' }, 'http://www.example.com:8080/docs/index.html?lang=en&value=xyz'],
    [{ Query: '' }, 'http://www.example.com:8080/docs/index.html'],
    [{ Path: '/' }, 'http://www.example.com:8080/?lang=en']
  ])('%j redirects to %s', (config, want) => {
    expect(redirect(config)).toBe(want)
  })

  it('leaves no ? when the original request had no query', () => {
    const plain = request({ path: '/a', query: '' })
    expect(redirectLocation({ StatusCode: 'HTTP_302', Protocol: 'HTTPS', Port: '443' }, plain))
      .toBe('https://example.com:443/a')
  })

  it.each([
    ['HTTP_301', 301, 'Moved Permanently', 134],
    ['HTTP_302', 302, 'Found', 110]
  ] as const)('answers %s with ALB\'s page and the Location', (code, status, reason, length) => {
    const action: Action = {
      Type: 'redirect', RedirectConfig: { StatusCode: code, Protocol: 'HTTPS', Port: '443' }
    }
    const outcome = evaluateRules([rule('default', [], action)], request({ path: '/x' }))
    if (outcome?.kind !== 'respond') throw new Error('expected a response')
    expect(outcome.response.statusCode).toBe(status)
    expect(outcome.response.statusMessage).toBe(reason)
    expect(outcome.response.headers).toEqual({
      server: 'awselb/2.0',
      'content-type': 'text/html',
      'content-length': String(length),
      location: 'https://example.com:443/x'
    })
    expect(outcome.response.body).toBe(
      `<html>\r\n<head><title>${status} ${reason}</title></head>\r\n<body>\r\n` +
      `<center><h1>${status} ${reason}</h1></center>\r\n</body>\r\n</html>\r\n`)
  })
})

describe('actions', () => {
  it('performs the routing action after the actions of lower Order', () => {
    const rules: Rule[] = [{
      ...rule('1', [path('/app/*')]),
      Actions: [
        { Type: 'forward', TargetGroupArn: TG('app'), Order: 2 },
        {
          Type: 'authenticate-oidc',
          Order: 1,
          AuthenticateOidcConfig: {
            Issuer: 'https://idp.example.com', AuthorizationEndpoint: 'https://idp.example.com/a',
            TokenEndpoint: 'https://idp.example.com/t', UserInfoEndpoint: 'https://idp.example.com/u',
            ClientId: 'c'
          }
        }
      ]
    }, fallback]
    expect(route(rules, { path: '/app/home' })).toBe('app')
  })

  it('forwards through ForwardConfig and carries enabled stickiness', () => {
    const action: Action = {
      Type: 'forward',
      ForwardConfig: {
        TargetGroups: [{ TargetGroupArn: TG('blue'), Weight: 1 }],
        TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: 300 }
      }
    }
    const outcome = evaluateRules([rule('default', [], action)], request())
    expect(outcome).toMatchObject({
      kind: 'forward', targetGroupArn: TG('blue'), stickiness: { Enabled: true, DurationSeconds: 300 }
    })
  })
})

describe('pickTargetGroup', () => {
  /** A random() that walks an even grid over [0, 1): exact shares, no flakiness. */
  function grid (steps: number): () => number {
    let i = 0
    return () => (i++ % steps) / steps
  }

  function shares (weights: [string, number | undefined][], draws: number): Record<string, number> {
    const groups = weights.map(([name, Weight]) => ({ TargetGroupArn: TG(name), Weight }))
    const random = grid(draws)
    const counts: Record<string, number> = {}
    for (let i = 0; i < draws; i++) {
      const arn = pickTargetGroup(groups, random)
      const name = arn === undefined ? 'none' : arn.split('/')[1]
      counts[name] = (counts[name] ?? 0) + 1
    }
    return counts
  }

  it.each<[[string, number | undefined][], Record<string, number>]>([
    [[['blue', 80], ['green', 20]], { blue: 800, green: 200 }],
    [[['blue', 1], ['green', 1]], { blue: 500, green: 500 }],
    [[['blue', 999], ['green', 0]], { blue: 1000 }], // weight 0 is never chosen
    [[['blue', 0], ['green', 0]], { none: 1000 }],
    [[['blue', undefined], ['green', 3]], { blue: 250, green: 750 }]
  ])('distributes %j as %j', (weights, want) => {
    expect(shares(weights, 1000)).toEqual(want)
  })

  it('picks from the highest random value without running off the end', () => {
    const groups = [
      { TargetGroupArn: TG('blue'), Weight: 1 },
      { TargetGroupArn: TG('green'), Weight: 0 }
    ]
    expect(pickTargetGroup(groups, () => 0.9999999)).toBe(TG('blue'))
  })

  it('answers 503 when every target group weighs 0', () => {
    const action: Action = {
      Type: 'forward',
      ForwardConfig: { TargetGroups: [{ TargetGroupArn: TG('blue'), Weight: 0 }] }
    }
    const outcome = evaluateRules([rule('default', [], action)], request())
    expect(outcome).toMatchObject({ kind: 'respond', response: ELB_503 })
  })

  it('routes a weighted rule deterministically with an injected random', () => {
    const action: Action = {
      Type: 'forward',
      ForwardConfig: {
        TargetGroups: [
          { TargetGroupArn: TG('blue'), Weight: 9 },
          { TargetGroupArn: TG('green'), Weight: 1 }
        ]
      }
    }
    const rules = [rule('default', [], action)]
    expect(describeOutcome(evaluateRules(rules, request(), () => 0.89))).toBe('blue')
    expect(describeOutcome(evaluateRules(rules, request(), () => 0.95))).toBe('green')
  })
})

describe('failOpen', () => {
  const target = (id: string, State: string) =>
    ({ Target: { Id: id, Port: 80 }, TargetHealth: { State } })
  const ids = (targets: { Target: { Id: string } }[]): string[] => targets.map(t => t.Target.Id)

  it.each<[string, [string, string][], string[]]>([
    ['only the healthy targets when there are some',
      [['a', 'healthy'], ['b', 'unhealthy'], ['c', 'initial'], ['d', 'healthy']], ['a', 'd']],
    ['every unhealthy target when none is healthy (fails open)',
      [['a', 'unhealthy'], ['b', 'unhealthy'], ['c', 'draining']], ['a', 'b']],
    ['no draining, unused or initial target',
      [['a', 'draining'], ['b', 'unused'], ['c', 'initial'], ['d', 'unhealthy.draining']], []],
    ['nothing when no target is registered', [], []]
  ])('routes to %s', (_, targets, want) => {
    expect(ids(failOpen(targets.map(([id, state]) => target(id, state))))).toEqual(want)
  })

  it('reads the state through a given accessor', () => {
    const targets = [{ id: 'a', health: 'unhealthy' }, { id: 'b', health: 'unhealthy' }]
    expect(failOpen(targets, t => t.health).map(t => t.id)).toEqual(['a', 'b'])
  })
})

describe('load balancer error pages', () => {
  it.each([
    [ELB_502, 502, 'Bad Gateway', 122],
    [ELB_503, 503, 'Service Temporarily Unavailable', 162],
    [ELB_504, 504, 'Gateway Time-out', 132]
  ] as const)('answers %#: %s %s with ALB\'s HTML', (response, status, reason, length) => {
    expect(response.statusCode).toBe(status)
    expect(response.statusMessage).toBe(reason)
    expect(response.headers).toEqual({
      server: 'awselb/2.0', 'content-type': 'text/html', 'content-length': String(length)
    })
    expect(response.body).toBe(
      '<html>\r\n' +
      `<head><title>${status} ${reason}</title></head>\r\n` +
      '<body>\r\n' +
      `<center><h1>${status} ${reason}</h1></center>\r\n` +
      '</body>\r\n' +
      '</html>\r\n')
    expect(Buffer.byteLength(response.body)).toBe(length)
  })

  it('keeps the shared pages frozen', () => {
    expect(Object.isFrozen(ELB_503)).toBe(true)
  })
})
