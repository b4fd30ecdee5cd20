/**
 * A small EC2 client for the tests: SigV4-signed form posts in the `ec2` query protocol (the
 * SDK's EC2 client is not installed), with the XML answer parsed (`item` lists as arrays).
 */
import { XMLParser } from 'fast-xml-parser'
import { ROOT, type Credentials } from '../support/emulator.js'
import { signedFormPost } from '../support/raw.js'

export interface Ec2Answer {
  status: number
  text: string
  /** The parsed `<ActionResponse>` (or `<Response>` for errors). */
  body: any
  /** For errors: the first `<Error>`'s code and message. */
  code?: string
  message?: string
}

const parser = new XMLParser({ isArray: name => name === 'item', parseTagValue: false, ignoreAttributes: true })

export type Params = Record<string, string | number | boolean | undefined>

export async function ec2Call (url: string, action: string, params: Params = {},
  credentials: Credentials = ROOT, region = 'us-east-1'): Promise<Ec2Answer> {
  const form = new URLSearchParams({ Action: action, Version: '2016-11-15' })
  for (const [k, v] of Object.entries(params)) if (v !== undefined) form.set(k, String(v))
  const res = await signedFormPost(url, form, 'ec2', credentials, region)
  const text = res.text
  const parsed = parser.parse(text) as Record<string, any>
  const root = parsed[`${action}Response`] ?? parsed.Response
  const error = root?.Errors?.Error
  return { status: res.status, text, body: root, code: error?.Code, message: error?.Message }
}

/** Calls and expects success; throws with EC2's code and message otherwise. */
export async function ec2Ok (url: string, action: string, params: Params = {},
  credentials?: Credentials, region?: string): Promise<any> {
  const r = await ec2Call(url, action, params, credentials, region)
  if (r.status !== 200) throw new Error(`${action}: ${r.status} ${r.code}: ${r.message}`)
  return r.body
}

/** The items of an EC2 `<xSet>` list (absent or empty lists are []). */
export const items = (set: any): any[] => set?.item ?? []

/** `Filter.1.Name=…&Filter.1.Value.1=…` for each [name, values] pair. */
export function filters (...pairs: [string, string[]][]): Params {
  const out: Params = {}
  pairs.forEach(([name, values], i) => {
    out[`Filter.${i + 1}.Name`] = name
    values.forEach((v, j) => { out[`Filter.${i + 1}.Value.${j + 1}`] = v })
  })
  return out
}
