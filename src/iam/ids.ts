/**
 * Identifiers as IAM and STS make them: `AKIA`/`ASIA` access keys (20 characters), 40-character
 * secrets, and 21-character unique ids with the entity's prefix (`AIDA`, `AROA`, `ANPA`, `AIPA`).
 */
import { randomBytes } from 'node:crypto'

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

function random (alphabet: string, length: number): string {
  const bytes = randomBytes(length)
  let out = ''
  for (let i = 0; i < length; i++) out += alphabet[bytes[i] % alphabet.length]
  return out
}

export const accessKeyId = (temporary: boolean): string => (temporary ? 'ASIA' : 'AKIA') + random(UPPER, 16)

export const secretAccessKey = (): string =>
  random('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', 40)

export const uniqueId = (prefix: 'AIDA' | 'AROA' | 'ANPA' | 'AIPA' | 'AGPA'): string => prefix + random(UPPER, 17)

/** Session tokens look like AWS's v2 tokens (a base64 blob); their content means nothing. */
export const sessionToken = (): string => 'IQoJb3JpZ2luX2VjE' + randomBytes(240).toString('base64')
