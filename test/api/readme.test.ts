import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { render } from '../../scripts/readme-tables.js'

describe('README', () => {
  it('lists exactly the operations the registry serves (run `npm run readme` when this fails)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    expect(render(readme)).toBe(readme)
  })
})
