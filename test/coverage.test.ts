import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { servedOperations } from '../api/coverage.js'

const dir = process.env.ECS_EMULATOR_TEST_RECORDS
// `npm test` runs everything and sets this; a run of a few files cannot be judged.
const whole = process.env.ECS_EMULATOR_COVERAGE === '1'

function called (): Set<string> {
  const out = new Set<string>()
  if (dir === undefined || !existsSync(dir)) return out
  for (const f of readdirSync(dir)) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      if (line === '') continue
      const r = JSON.parse(line) as { service: string, operation: string }
      out.add(`${r.service}:${r.operation}`)
    }
  }
  return out
}

describe.skipIf(!whole)('coverage (skipped unless the whole suite runs, as `npm test` does)', () => {
  it('has a test calling every operation the README lists as served', () => {
    const seen = called()
    const missing = servedOperations().map(o => `${o.service}:${o.operation}`).filter(o => !seen.has(o))
    expect(missing).toEqual([])
  })
})
