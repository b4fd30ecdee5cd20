/**
 * The dashboard's benchmark runs: `bench/ui.mjs` with a few hundred tasks (the figures it prints
 * with 5,000 are for `npm run bench:ui`, not for a test), so that a change that breaks it shows
 * in the suite.
 */
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const BENCH = fileURLToPath(new URL('../../bench/ui.mjs', import.meta.url))
import { CHROMIUM_SKIP as SKIP } from '../support/chromium.js'

describe.skipIf(SKIP !== '')(`bench/ui.mjs${SKIP}`, () => {
  it('seeds the tasks, renders them in Chromium and prints the first render and the update figures', async () => {
    const r = await new Promise<{ code: number, stdout: string, stderr: string }>(resolve => {
      const child = execFile(process.execPath, [BENCH, '--tasks', '300', '--updates', '2'], { timeout: 240_000 },
        (error, stdout, stderr) => resolve({ code: error === null ? 0 : (child.exitCode ?? 1), stdout, stderr }))
    })
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('dashboard with 300 tasks')
    expect(r.stdout).toMatch(/first render \(tasks table\) +[\d.]+ ms from page\.goto/)
    expect(r.stdout).toMatch(/update → visible \(2\) +median [\d.]+ ms/)
  }, 270_000)
})
