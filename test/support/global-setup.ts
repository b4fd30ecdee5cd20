/**
 * Once per run: a directory where every test worker appends the operations it called, read by
 * test/coverage.test.ts after the rest of the suite (the `coverage` project runs last).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

let created: string | undefined

export function setup (): void {
  if (process.env.ECS_EMULATOR_TEST_RECORDS !== undefined) return
  created = mkdtempSync(join(tmpdir(), 'ecs-emulator-records-'))
  process.env.ECS_EMULATOR_TEST_RECORDS = created
}

export function teardown (): void {
  if (created !== undefined) rmSync(created, { recursive: true, force: true })
}
