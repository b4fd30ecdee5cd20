/**
 * The shipped drill scenarios (examples/drills/*.yaml), run as `ecs-emulator drill` runs them:
 * each green as it is, with the AWS managed policies, and each of its shipped mutations failing
 * at the step it names, with the symptom and the cause it names. Every expected text comes
 * from ../shared/reference/ecs-behaviour.md, whose section each test names; where the
 * reference marks AWS's text unconfirmed, the test says "inferred".
 */
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runScenario, type DrillRun } from '../../src/drill/runner.js'
import { loadScenario, type DrillSpec, type Scenario } from '../../src/drill/scenario.js'
import { globMatch } from '../../src/iam/matching.js'
import { DOCKER_SKIP, ensureImages, hasDocker } from '../support/docker.js'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'

const DIR = fileURLToPath(new URL('../../examples/drills/', import.meta.url))
const NAMES = ['ec2-alb-service', 'fargate-alb-service', 'gitlab-runner']
/** Drill runs at a time: each is an emulator, an agent and containers on this host's cores. */
const JOBS = 3

const scenarios: Scenario[] = NAMES.map(name => loadScenario(`${DIR}${name}.yaml`))

interface Job { scenario: Scenario, mutation?: string }
const jobs: Job[] = scenarios.flatMap(s => [{ scenario: s }, ...s.drills.map(d => ({ scenario: s, mutation: d.break }))])
const runs = new Map<string, Promise<DrillRun>>()
const key = (j: Job): string => `${j.scenario.name} ${j.mutation ?? ''}`

/** Starts every run, JOBS at a time, in the order the tests read them. */
function startAll (): void {
  let next = 0
  const waiting = jobs.map(() => {
    let resolve!: (r: DrillRun) => void
    let reject!: (e: unknown) => void
    const promise = new Promise<DrillRun>((res, rej) => { resolve = res; reject = rej })
    promise.catch(() => {})
    return { promise, resolve, reject }
  })
  jobs.forEach((j, i) => runs.set(key(j), waiting[i].promise))
  const worker = async (): Promise<void> => {
    for (let i = next++; i < jobs.length; i = next++) {
      await runScenario(jobs[i].scenario, { mutation: jobs[i].mutation }).then(waiting[i].resolve, waiting[i].reject)
    }
  }
  for (let w = 0; w < JOBS; w++) void worker()
}

/** `${NAME}` in an expected text, from what the run saved. */
const resolve = (text: string, run: DrillRun): string =>
  text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (whole, name: string) => run.vars[name] ?? whole)

const describeRun = (run: DrillRun): string => JSON.stringify({ steps: run.steps, failure: run.failure }, null, 2)

function expectDrill (run: DrillRun, d: DrillSpec): void {
  expect(run.failure?.step, describeRun(run)).toBe(d.step)
  for (const text of [d.symptom].flat()) expect(run.failure!.symptom, describeRun(run)).toContain(resolve(text, run))
  if (d.cause === undefined) return
  const decision = run.failure!.cause?.decision
  expect(decision, describeRun(run)).toBeDefined()
  if (d.cause.action !== undefined) expect(decision!.action).toBe(d.cause.action)
  if (d.cause.principal !== undefined) {
    const pattern = resolve(d.cause.principal, run)
    expect(globMatch(pattern, decision!.principal), `${decision!.principal} is not ${pattern}`).toBe(true)
  }
}

describe.skipIf(!hasDocker)(`the shipped drill scenarios${DOCKER_SKIP}`, () => {
  beforeAll(async () => {
    await ensureImages()
    startAll()
  }, 300_000)

  afterAll(async () => {
    await Promise.allSettled([...runs.values()])
  }, 600_000)

  for (const scenario of scenarios) {
    describe(`examples/drills/${scenario.name}.yaml`, () => {
      it('runs green with the AWS managed policies', async () => {
        const run = await runs.get(key({ scenario }))!
        expect(run.failure, describeRun(run)).toBeUndefined()
        expect(run.steps.map(s => s.name)).toEqual(scenario.steps.map(s => s.name))
      }, 600_000)

      for (const d of scenario.drills) {
        const section = d.reference === undefined ? '' : ` (reference § ${d.reference}${d.inferred === true ? '; inferred: AWS\'s text is unconfirmed' : ''})`
        it(`--break ${d.break}: fails at “${d.step}”${section}`, async () => {
          expectDrill(await runs.get(key({ scenario, mutation: d.break }))!, d)
        }, 600_000)
      }
    })
  }
})
