/**
 * The cluster query language of ListContainerInstances `filter` (and, later, `memberOf`
 * placement constraints): `subject operator [argument]`, joined with and/&&, or/||, not/!
 * and parentheses. A subject an object does not have matches nothing but `not_exists`, so
 * `attribute:stack != prod` leaves out instances without a `stack` attribute, as on AWS.
 */
import { ecsErrors } from './errors.js'

/** What a subject is for one object; `undefined` when the object has no such subject. */
export type SubjectValue =
  | { kind: 'string', value: string }
  | { kind: 'number', value: number }
  | { kind: 'date', value: number }
  | { kind: 'version', value: string }
  /** Several values (`task:group`): a test holds when it holds for one; a negated test, for none. */
  | { kind: 'set', values: string[] }

export type Resolve = (subject: string) => SubjectValue | undefined

type Op = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le' | 'exists' | 'not_exists' | 'in' | 'not_in' |
  'matches' | 'not_matches'

type Node =
  | { type: 'and' | 'or', left: Node, right: Node }
  | { type: 'not', operand: Node }
  | { type: 'test', subject: string, op: Op, args: string[] }

const OPERATORS: Record<string, Op> = {
  '==': 'eq', equals: 'eq', '!=': 'ne', not_equals: 'ne',
  '>': 'gt', greater_than: 'gt', '>=': 'ge', greater_than_equal: 'ge',
  '<': 'lt', less_than: 'lt', '<=': 'le', less_than_equal: 'le',
  exists: 'exists', '!exists': 'not_exists', not_exists: 'not_exists',
  in: 'in', '!in': 'not_in', not_in: 'not_in',
  '=~': 'matches', matches: 'matches', '!~': 'not_matches', not_matches: 'not_matches'
}

const LIST_OPS = new Set<Op>(['in', 'not_in'])
const BARE_OPS = new Set<Op>(['exists', 'not_exists'])

/** A compiled expression: call it with an object's subjects. */
export type ClusterQuery = (resolve: Resolve) => boolean

export function compileQuery (text: string): ClusterQuery {
  const parser = new Parser(tokenize(text))
  const node = parser.expression()
  parser.end()
  return resolve => evaluate(node, resolve)
}

// --- tokens -------------------------------------------------------------------------------

interface Token { text: string, quoted: boolean }

const PUNCTUATION = /^(?:==|!=|>=|<=|=~|!~|&&|\|\||[()[\],<>!])/
const WORD = /^[^\s()[\],=<>!&|'"]+/

function tokenize (text: string): Token[] {
  const tokens: Token[] = []
  let rest = text
  while ((rest = rest.trimStart()) !== '') {
    const negated = /^!(in|exists)\b/.exec(rest)
    const quote = /^(['"])(.*?)\1/.exec(rest)
    const m = negated ?? PUNCTUATION.exec(rest) ?? WORD.exec(rest)
    if (quote !== null) {
      tokens.push({ text: quote[2], quoted: true })
      rest = rest.slice(quote[0].length)
    } else if (m !== null) {
      tokens.push({ text: m[0], quoted: false })
      rest = rest.slice(m[0].length)
    } else {
      throw ecsErrors.badFilter(`unexpected character '${rest[0]}'`)
    }
  }
  return tokens
}

// --- parser -------------------------------------------------------------------------------

class Parser {
  #at = 0

  constructor (private readonly tokens: Token[]) {}

  expression (): Node {
    let left = this.#conjunction()
    while (this.#take('or', '||')) left = { type: 'or', left, right: this.#conjunction() }
    return left
  }

  end (): void {
    if (this.#peek() !== undefined) throw ecsErrors.badFilter(`unexpected '${this.#peek()!.text}'`)
  }

  #conjunction (): Node {
    let left = this.#negation()
    while (this.#take('and', '&&')) left = { type: 'and', left, right: this.#negation() }
    return left
  }

  #negation (): Node {
    if (this.#take('not', '!')) return { type: 'not', operand: this.#negation() }
    if (this.#take('(')) {
      const inner = this.expression()
      if (!this.#take(')')) throw ecsErrors.badFilter("missing ')'")
      return inner
    }
    return this.#test()
  }

  #test (): Node {
    const subject = this.#word('a subject')
    const next = this.#peek()
    const op = next === undefined || next.quoted || !Object.hasOwn(OPERATORS, next.text)
      ? undefined
      : OPERATORS[next.text]
    // A subject on its own asks whether it exists (`attribute:stack`).
    if (op === undefined) return { type: 'test', subject, op: 'exists', args: [] }
    this.#at++
    if (BARE_OPS.has(op)) return { type: 'test', subject, op, args: [] }
    const args = LIST_OPS.has(op) ? this.#list() : [this.#value()]
    return { type: 'test', subject, op, args }
  }

  #list (): string[] {
    if (!this.#take('[')) throw ecsErrors.badFilter("expected '[' after in / not_in")
    const values = [this.#value()]
    while (this.#take(',')) values.push(this.#value())
    if (!this.#take(']')) throw ecsErrors.badFilter("missing ']'")
    return values
  }

  #value (): string {
    return this.#word('a value')
  }

  #word (what: string): string {
    const t = this.#peek()
    if (t === undefined || (!t.quoted && !WORD.test(t.text))) {
      const where = t === undefined ? ' at the end' : ` before '${t.text}'`
      throw ecsErrors.badFilter(`expected ${what}${where}`)
    }
    this.#at++
    return t.text
  }

  #peek (): Token | undefined {
    return this.tokens[this.#at]
  }

  #take (...texts: string[]): boolean {
    const t = this.#peek()
    if (t === undefined || t.quoted || !texts.includes(t.text)) return false
    this.#at++
    return true
  }
}

// --- evaluation ---------------------------------------------------------------------------

function evaluate (node: Node, resolve: Resolve): boolean {
  switch (node.type) {
    case 'and': return evaluate(node.left, resolve) && evaluate(node.right, resolve)
    case 'or': return evaluate(node.left, resolve) || evaluate(node.right, resolve)
    case 'not': return !evaluate(node.operand, resolve)
    case 'test': return test(node, resolve(node.subject))
  }
}

const NEGATED: Partial<Record<Op, Op>> = { ne: 'eq', not_in: 'in', not_matches: 'matches' }

function test (node: { op: Op, args: string[] }, actual: SubjectValue | undefined): boolean {
  if (actual?.kind === 'set') return testSet(node, actual.values)
  if (node.op === 'not_exists') return actual === undefined
  if (actual === undefined) return false
  const text = String(actual.value)
  switch (node.op) {
    case 'exists': return true
    case 'eq': return compare(actual, node.args[0]) === 0
    case 'ne': return compare(actual, node.args[0]) !== 0
    case 'gt': return compare(actual, node.args[0]) > 0
    case 'ge': return compare(actual, node.args[0]) >= 0
    case 'lt': return compare(actual, node.args[0]) < 0
    case 'le': return compare(actual, node.args[0]) <= 0
    case 'in': return node.args.some(a => compare(actual, a) === 0)
    case 'not_in': return node.args.every(a => compare(actual, a) !== 0)
    case 'matches': return pattern(node.args[0]).test(text)
    case 'not_matches': return !pattern(node.args[0]).test(text)
  }
}

function testSet (node: { op: Op, args: string[] }, values: string[]): boolean {
  if (node.op === 'exists' || node.op === 'not_exists') {
    return (values.length > 0) === (node.op === 'exists')
  }
  const positive = NEGATED[node.op]
  const one = (value: string, op: Op): boolean =>
    test({ op, args: node.args }, { kind: 'string', value })
  if (positive !== undefined) return !values.some(v => one(v, positive))
  return values.some(v => one(v, node.op))
}

type SingleValue = Exclude<SubjectValue, { kind: 'set' }>

/** Negative, zero or positive; values of another kind than the subject compare as text. */
function compare (actual: SingleValue, argument: string): number {
  const shown = String(actual.value)
  switch (actual.kind) {
    case 'number': return numberOr(actual.value - Number(argument), shown, argument)
    case 'date': return numberOr(actual.value - Date.parse(argument) / 1000, shown, argument)
    case 'version': return compareVersions(actual.value, argument)
    case 'string': return compareText(actual.value, argument)
  }
}

const compareText = (a: string, b: string): number => a === b ? 0 : (a < b ? -1 : 1)

const numberOr = (difference: number, a: string, b: string): number =>
  Number.isNaN(difference) ? compareText(a, b) : difference

function compareVersions (a: string, b: string): number {
  const pa = a.split('.').map(Number)
  const pb = b.split('.').map(Number)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (Number.isNaN(d)) return compareText(a, b)
    if (d !== 0) return d
  }
  return 0
}

/** `matches` takes a Java regular expression and must match the whole value. */
function pattern (source: string): RegExp {
  try {
    return new RegExp(`^(?:${source})$`)
  } catch {
    throw ecsErrors.badFilter(`'${source}' is not a valid regular expression`)
  }
}
