import { describe, expect, it } from 'vitest'
import { circuitBreakerThreshold, planRollout, type TaskView } from '../../src/ecs/service-rollout.js'

const tasks = (prefix: string, healthy: boolean[]): TaskView[] =>
  healthy.map((h, i) => ({ taskArn: `${prefix}${i}`, healthy: h }))

/** The tasks, those named under scale-in protection. */
const guarded = (views: TaskView[], ...names: string[]): TaskView[] =>
  views.map(v => names.includes(v.taskArn) ? { ...v, protected: true } : v)

describe('planRollout', () => {
  const base = { desiredCount: 2, minimumHealthyPercent: 100, maximumPercent: 200 }

  it.each([
    ['a new service starts every desired task', { ...base, primary: [], older: [] }, { start: 2, stop: [], blocked: false }],
    ['scaling out starts the difference', { ...base, desiredCount: 3, primary: tasks('p', [true, true]), older: [] }, { start: 1, stop: [], blocked: false }],
    ['scaling in stops the newest healthy task', { ...base, desiredCount: 1, primary: tasks('p', [true, true]), older: [] }, { start: 0, stop: ['p1'], blocked: false }],
    ['scaling in stops a task that is not healthy first', { ...base, desiredCount: 1, primary: tasks('p', [false, true]), older: [] }, { start: 0, stop: ['p0'], blocked: false }],
    ['100/200: a deployment starts the new tasks beside the old', { ...base, primary: [], older: tasks('o', [true, true]) }, { start: 2, stop: [], blocked: false }],
    ['100/200: old tasks stay while the new are not healthy', { ...base, primary: tasks('p', [false, false]), older: tasks('o', [true, true]) }, { start: 0, stop: [], blocked: false }],
    ['100/200: old tasks go once the new are healthy', { ...base, primary: tasks('p', [true, true]), older: tasks('o', [true, true]) }, { start: 0, stop: ['o0', 'o1'], blocked: false }],
    ['100/200: one new healthy task lets one old go', { ...base, primary: tasks('p', [true, false]), older: tasks('o', [true, true]) }, { start: 0, stop: ['o0'], blocked: false }],
    ['50/100: one old task goes first, one new starts', { ...base, minimumHealthyPercent: 50, maximumPercent: 100, primary: [], older: tasks('o', [true, true]) }, { start: 1, stop: ['o0'], blocked: false }],
    ['old tasks that are not healthy go at once', { ...base, primary: [], older: tasks('o', [false, true]) }, { start: 2, stop: ['o0'], blocked: false }],
    ['100/100 cannot move', { ...base, maximumPercent: 100, primary: [], older: tasks('o', [true, true]) }, { start: 0, stop: [], blocked: true }],
    ['a deleted service (desired 0) stops everything', { ...base, desiredCount: 0, primary: tasks('p', [true]), older: tasks('o', [true]) }, { start: 0, stop: ['p0', 'o0'], blocked: false }],
    ['desired 1, 100/200: the new task first', { ...base, desiredCount: 1, primary: [], older: tasks('o', [true]) }, { start: 1, stop: [], blocked: false }],
    ['0/100: all old go, all new start', { ...base, minimumHealthyPercent: 0, maximumPercent: 100, primary: [], older: tasks('o', [true, true]) }, { start: 2, stop: ['o0', 'o1'], blocked: false }],
    ['scaling in passes over a protected task', { ...base, desiredCount: 1, primary: guarded(tasks('p', [true, true]), 'p1'), older: [] }, { start: 0, stop: ['p0'], blocked: false }],
    ['scaling in stops no task while all are protected', { ...base, desiredCount: 0, primary: guarded(tasks('p', [true]), 'p0'), older: [] }, { start: 0, stop: [], blocked: false }],
    ['a deployment leaves a protected old task, healthy or not', { ...base, primary: tasks('p', [true, true]), older: guarded(tasks('o', [true, false]), 'o0', 'o1') }, { start: 0, stop: [], blocked: false }],
    ['0/100: a protected old task keeps its place from the new', { ...base, minimumHealthyPercent: 0, maximumPercent: 100, primary: [], older: guarded(tasks('o', [true, true]), 'o0') }, { start: 1, stop: ['o1'], blocked: false }]
  ])('%s', (_name, input, plan) => {
    expect(planRollout(input)).toEqual(plan)
  })
})

describe('circuitBreakerThreshold', () => {
  it.each([[1, 3], [2, 3], [6, 3], [7, 4], [10, 5], [1000, 200]])('desired %i trips at %i failures', (desired, threshold) => {
    expect(circuitBreakerThreshold(desired)).toBe(threshold)
  })
})
