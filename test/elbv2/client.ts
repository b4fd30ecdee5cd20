/**
 * A small ELBv2 client for the tests: SigV4-signed form posts in the query protocol
 * (@aws-sdk/client-elastic-load-balancing-v2 is not installed), nested input flattened as
 * the SDK does (`Names.member.1`, `Tags.member.1.Key`), the XML answer parsed with `member`
 * lists as arrays.
 */
import { XMLParser } from 'fast-xml-parser'
import { ROOT, type Credentials } from '../support/emulator.js'
import { signedFormPost } from '../support/raw.js'

export interface ElbAnswer {
  status: number
  text: string
  /** The parsed `<ActionResult>` of a success. */
  body: any
  code?: string
  message?: string
}

const parser = new XMLParser({ isArray: name => name === 'member', parseTagValue: false, ignoreAttributes: true })

/** `{ Names: ['a'] }` → `Names.member.1=a`; structures join with dots. */
export function flatten (value: unknown, prefix = '', out: Record<string, string> = {}): Record<string, string> {
  if (value === undefined) return out
  if (Array.isArray(value)) {
    if (value.length === 0) out[prefix] = ''
    value.forEach((v, i) => flatten(v, `${prefix}.member.${i + 1}`, out))
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix === '' ? k : `${prefix}.${k}`, out)
  } else {
    out[prefix] = String(value)
  }
  return out
}

export async function elbCall (url: string, action: string, input: object = {},
  credentials: Credentials = ROOT, region = 'us-east-1'): Promise<ElbAnswer> {
  const form = new URLSearchParams({ Action: action, Version: '2015-12-01', ...flatten(input) })
  const res = await signedFormPost(url, form, 'elasticloadbalancing', credentials, region)
  const text = res.text
  const parsed = parser.parse(text) as Record<string, any>
  const error = parsed.ErrorResponse?.Error
  const result = parsed[`${action}Response`]?.[`${action}Result`]
  return { status: res.status, text, body: result ?? {}, code: error?.Code, message: error?.Message }
}

/** Calls and expects success; throws with ELBv2's code and message otherwise. */
export async function elbOk (url: string, action: string, input: object = {},
  credentials?: Credentials, region?: string): Promise<any> {
  const r = await elbCall(url, action, input, credentials, region)
  if (r.status !== 200) throw new Error(`${action}: ${r.status} ${r.code}: ${r.message}`)
  return r.body
}

/** The members of a list (absent lists are []). */
export const members = (list: any): any[] => list?.member ?? []
