/**
 * A drill scenario (examples/drills/*.yaml): the roles it starts from, the caller that performs
 * its steps, the steps of a real set-up, and the mutations it ships with what each must show.
 * Loading checks the shape and says where a file is wrong; running is src/drill/runner.ts.
 */
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { parse } from 'yaml'
import type { PolicyDocument } from '../iam/policy.js'

export interface RoleSpec {
  /** A service principal (`ecs-tasks.amazonaws.com`) or a whole trust policy document. */
  trust: string | PolicyDocument
  /** AWS managed policies: names (`AmazonECSTaskExecutionRolePolicy`) or ARNs. */
  managed?: string[]
  /** Customer managed policies made for this role (a mutation's copies), name → document. */
  customer?: Record<string, PolicyDocument>
  inline?: Record<string, PolicyDocument>
  /** An instance profile of this name holding the role. */
  instanceProfile?: string
  /** An AWS managed policy (name or ARN) set as the permissions boundary. */
  boundary?: string
}

export interface CallerSpec {
  user: string
  managed?: string[]
  customer?: Record<string, PolicyDocument>
  inline?: Record<string, PolicyDocument>
  boundary?: string
}

interface StepBase {
  name: string
  /** Seconds a wait, an HTTP check or a log check may take (60). */
  timeout?: number
  /** NAME: dotted path into the step's output (`taskDefinition.taskDefinitionArn`, `tasks[0].taskArn`). */
  save?: Record<string, string>
}

export interface CallStep extends StepBase { call: string, input?: Record<string, unknown> }
export interface WaitStep extends StepBase {
  wait: 'instances' | 'task' | 'service'
  cluster?: string
  count?: number
  task?: string
  service?: string
  /** For `service`: wait for this status (`INACTIVE` after a delete) instead of a steady state. */
  status?: string
}
export interface HttpStep extends StepBase { http: string, path?: string, expect?: number, count?: number }
export interface LogsStep extends StepBase { logs: string, contains: string }
export interface PushStep extends StepBase { push: string, repository: string, tag?: string }

export type Step = CallStep | WaitStep | HttpStep | LogsStep | PushStep

export interface DrillSpec {
  break: string
  /** The first step that fails. */
  step: string
  /** What the user sees there: every text must appear in the symptom. */
  symptom: string | string[]
  cause?: { principal?: string, action?: string }
  /** The section of the behaviour reference the expected text comes from. */
  reference?: string
  /** The reference marks AWS's text unconfirmed: the emulator's is an inference. */
  inferred?: boolean
}

export interface Scenario {
  name: string
  description: string
  timeScale: number
  region: string
  roles: Record<string, RoleSpec>
  caller: CallerSpec
  steps: Step[]
  drills: DrillSpec[]
  /** Where it was read from. */
  file?: string
}

export class ScenarioError extends Error {
  override name = 'ScenarioError'
}

const STEP_KINDS = ['call', 'wait', 'http', 'logs', 'push'] as const
export type StepKind = typeof STEP_KINDS[number]

export const stepKind = (step: Step): StepKind => STEP_KINDS.find(k => k in step)!

export function loadScenario (file: string): Scenario {
  let raw: unknown
  try {
    raw = parse(readFileSync(file, 'utf8'))
  } catch (e) {
    throw new ScenarioError(`${file}: ${(e as Error).message}`)
  }
  return { ...checkScenario(raw, basename(file)), file }
}

/** The scenario `raw` describes, or a ScenarioError that says where it is wrong. */
export function checkScenario (raw: unknown, where = 'scenario'): Scenario {
  const fail = (path: string, what: string): never => {
    throw new ScenarioError(`${where}: ${path} ${what}`)
  }
  if (!isObject(raw)) fail('the file', 'must be a mapping')
  const s = raw as Record<string, unknown>
  if (typeof s.name !== 'string' || s.name === '') fail('name', 'must be a string')
  if (!isObject(s.roles)) fail('roles', 'must map role names to roles')
  for (const [name, role] of Object.entries(s.roles as object)) {
    if (!isObject(role) || (typeof role.trust !== 'string' && !isObject(role.trust))) {
      fail(`roles.${name}.trust`, 'must be a service principal or a trust policy document')
    }
  }
  if (!isObject(s.caller) || typeof s.caller.user !== 'string') fail('caller.user', 'must name an IAM user')
  if (!Array.isArray(s.steps) || s.steps.length === 0) fail('steps', 'must list the steps')
  const names = new Set<string>()
  for (const [i, step] of (s.steps as unknown[]).entries()) {
    if (!isObject(step) || typeof step.name !== 'string') fail(`steps[${i}].name`, 'must be a string')
    const st = step as Record<string, unknown>
    if (names.has(st.name as string)) fail(`steps[${i}].name`, `'${st.name as string}' is used twice`)
    names.add(st.name as string)
    const kinds = STEP_KINDS.filter(k => k in st)
    if (kinds.length !== 1) fail(`steps[${i}] (${st.name as string})`, `must have exactly one of ${STEP_KINDS.join(', ')}`)
    if (typeof st.call === 'string' && !/^[a-z0-9]+\.[A-Z][A-Za-z0-9]+$/.test(st.call)) {
      fail(`steps[${i}].call`, `must be SERVICE.Operation, not '${st.call}'`)
    }
    if ('wait' in st && !['instances', 'task', 'service'].includes(st.wait as string)) {
      fail(`steps[${i}].wait`, 'must be instances, task or service')
    }
  }
  const drills = (s.drills ?? []) as unknown[]
  if (!Array.isArray(drills)) fail('drills', 'must be a list')
  for (const [i, d] of drills.entries()) {
    if (!isObject(d) || typeof d.break !== 'string') fail(`drills[${i}].break`, 'must be a mutation')
    const step = (d as Record<string, unknown>).step
    if (typeof step !== 'string' || !names.has(step)) fail(`drills[${i}].step`, `must name a step, not '${String(step)}'`)
  }
  return {
    name: s.name as string,
    description: typeof s.description === 'string' ? s.description.trim() : '',
    timeScale: typeof s.timeScale === 'number' ? s.timeScale : 0.05,
    region: typeof s.region === 'string' ? s.region : 'us-east-1',
    roles: s.roles as Record<string, RoleSpec>,
    caller: s.caller as CallerSpec,
    steps: s.steps as Step[],
    drills: drills as DrillSpec[]
  }
}

const isObject = (v: unknown): v is Record<string, any> =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
