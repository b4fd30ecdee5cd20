/**
 * Prints the run's totals as one plain line, `N passed, N failed, N skipped`, after vitest's
 * own summary, so that any CI reading closing lines can count them.
 */
import type { Reporter, TestModule } from 'vitest/node'

export default class SummaryReporter implements Reporter {
  onTestRunEnd (modules: ReadonlyArray<TestModule>): void {
    const counts = { passed: 0, failed: 0, skipped: 0, pending: 0 }
    for (const m of modules) {
      const tests = [...m.children.allTests()]
      for (const t of tests) counts[t.result().state] += 1
      // A file can fail outside its tests (a hook, an import): count it as one failure.
      if (m.state() === 'failed' && !tests.some(t => t.result().state === 'failed')) counts.failed += 1
    }
    process.stdout.write(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped + counts.pending} skipped\n`)
  }
}
