import { availableParallelism } from 'node:os'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    // Twice what any test here needs on an idle machine: the CLI-driven tests take half of 30 s
    // on a loaded 2-core one. A test that hangs still fails, a minute in.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One file per core, not vitest's default of one fewer: most files spend their time waiting on
    // Docker and on AWS's (scaled) delays, not on the CPU; on CI's 2 cores this takes the suite
    // from about 12 minutes to about 7. Every file labels its containers and takes free ports.
    maxWorkers: availableParallelism(),
    // The SDK warns once per process that its 2027 releases need Node 22; known, and noise here.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    projects: [
      {
        extends: true,
        test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: ['test/coverage.test.ts'], sequence: { groupOrder: 0 } }
      },
      {
        // Runs after the whole suite: every operation served must have been called by it.
        extends: true,
        test: { name: 'coverage', include: ['test/coverage.test.ts'], sequence: { groupOrder: 1 } }
      }
    ]
  }
})
