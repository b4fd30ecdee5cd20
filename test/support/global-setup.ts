/**
 * Once per run: a directory where every test worker appends the operations it called, read by
 * test/coverage.test.ts after the rest of the suite (the `coverage` project runs last).
 * With a Docker engine: this run's id for labels (test/support/docker.ts), the offline images
 * built or checked once, and at the end everything still carrying this run's label removed.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureImages, hasDocker, removeByLabel, testRunLabel } from './docker.js'

let created: string | undefined
let ownRunId = false

export async function setup (): Promise<void> {
  if (process.env.ECS_EMULATOR_TEST_RECORDS === undefined) {
    created = mkdtempSync(join(tmpdir(), 'ecs-emulator-records-'))
    process.env.ECS_EMULATOR_TEST_RECORDS = created
  }
  ownRunId = process.env.ECS_EMULATOR_TEST_RUN === undefined
  testRunLabel()
  if (hasDocker) await buildImages()
}

/** A failure is printed here and rethrown by ensureImages() in the tests that need images. */
async function buildImages (): Promise<void> {
  try {
    await ensureImages()
  } catch (e) {
    process.stderr.write(`[global-setup] offline images not built: ${(e as Error).message}\n`)
  }
}

export async function teardown (): Promise<void> {
  if (created !== undefined) rmSync(created, { recursive: true, force: true })
  if (hasDocker && ownRunId) await removeByLabel(testRunLabel())
}
