/**
 * Once per run: a directory where every test worker appends the operations it called, and at
 * the end a check that every operation the README's coverage table serves was called by some
 * test. Missing ones fail the run.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { servedOperations } from '../../api/coverage.js'

let dir: string

export function setup (): void {
  dir = mkdtempSync(join(tmpdir(), 'ecs-emulator-records-'))
  process.env.ECS_EMULATOR_TEST_RECORDS = dir
}

export function teardown (): void {
  const called = new Set<string>()
  for (const f of readdirSync(dir)) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      if (line === '') continue
      const r = JSON.parse(line) as { service: string, operation: string }
      called.add(`${r.service}:${r.operation}`)
    }
  }
  rmSync(dir, { recursive: true, force: true })
  if (partialRun()) return
  const missing = servedOperations().filter(op => !called.has(`${op.service}:${op.operation}`))
  if (missing.length > 0) {
    throw new Error(`operations served but called by no test: ${missing.map(m => `${m.service}:${m.operation}`).join(', ')}`)
  }
  process.stdout.write(`coverage: all ${servedOperations().length} served operations were called by the suite\n`)
}

/** A run given files or a name filter cannot be judged on coverage. */
function partialRun (): boolean {
  return process.argv.slice(2).some(a => a !== 'run' && !a.startsWith('-')) ||
    process.argv.some(a => a === '-t' || a.startsWith('--testNamePattern'))
}
