/**
 * ECS account settings: the names, the values each accepts and AWS's default for each, and how
 * a principal's effective value is found (its own setting, else the account default, which is
 * the root user's setting, else AWS's default). Settings are kept per account and region.
 */
import type { Principal } from '../iam/policy.js'
import type { Scope } from './arns.js'
import { ecsErrors } from './errors.js'

export const SETTING_NAMES = ['serviceLongArnFormat', 'taskLongArnFormat',
  'containerInstanceLongArnFormat', 'awsvpcTrunking', 'containerInsights', 'fargateFIPSMode',
  'tagResourceAuthorization', 'fargateTaskRetirementWaitPeriod', 'guardDutyActivate',
  'defaultLogDriverMode', 'fargateEventWindows'] as const

export type SettingName = (typeof SETTING_NAMES)[number]

interface SettingRule {
  values: readonly string[]
  fallback: string
  /** GuardDuty owns guardDutyActivate: ECS reports it and refuses to change it. */
  awsManaged?: boolean
}

const ENABLED = ['enabled', 'disabled'] as const

export const SETTING_RULES: Record<SettingName, SettingRule> = {
  serviceLongArnFormat: { values: ENABLED, fallback: 'enabled' },
  taskLongArnFormat: { values: ENABLED, fallback: 'enabled' },
  containerInstanceLongArnFormat: { values: ENABLED, fallback: 'enabled' },
  awsvpcTrunking: { values: ENABLED, fallback: 'disabled' },
  containerInsights: { values: ['enabled', 'disabled', 'enhanced'], fallback: 'disabled' },
  fargateFIPSMode: { values: ENABLED, fallback: 'disabled' },
  tagResourceAuthorization: { values: ['on', 'off'], fallback: 'on' },
  fargateTaskRetirementWaitPeriod: { values: ['0', '7', '14'], fallback: '7' },
  // (unconfirmed) the value AWS reports while GuardDuty Runtime Monitoring is not activated
  guardDutyActivate: { values: ['on', 'off'], fallback: 'off', awsManaged: true },
  // AWS changed this default from blocking to non-blocking in June 2025.
  defaultLogDriverMode: { values: ['blocking', 'non-blocking'], fallback: 'non-blocking' },
  // (unconfirmed) values and default of the newest setting
  fargateEventWindows: { values: ENABLED, fallback: 'disabled' }
}

/** A setting as the API shows it (the model's `Setting`). */
export interface Setting {
  name: SettingName
  value: string
  principalArn: string
  type: 'user' | 'aws_managed'
}

/** What is stored for one principal: name → value. */
export type StoredSettings = ReadonlyMap<string, string>

export const rootArn = (account: string): string => `arn:aws:iam::${account}:root`

/** Settings belong to the IAM user or role, never to one role session. */
export function settingsPrincipal (principal: Principal): string {
  if (principal.type === 'user') return principal.arn
  if (principal.type === 'assumed-role' && principal.roleArn !== undefined) {
    return principal.roleArn
  }
  return rootArn(principal.account)
}

/** Refuses a value the setting does not take, and any change to an AWS-managed setting. */
export function checkSettingChange (name: SettingName, value: string | undefined): void {
  const rule = SETTING_RULES[name]
  if (rule.awsManaged === true) throw ecsErrors.readOnlySetting()
  if (value !== undefined && !rule.values.includes(value)) throw ecsErrors.invalidSettingValue()
}

export const settingOf = (name: SettingName, value: string, principalArn: string): Setting => ({
  name,
  value,
  principalArn,
  type: SETTING_RULES[name].awsManaged === true ? 'aws_managed' : 'user'
})

/** The value in force for a principal, and whose setting it is. */
export function effectiveSetting (name: SettingName, principalArn: string, own: StoredSettings,
  defaults: StoredSettings, account: string): Setting {
  const mine = own.get(name)
  if (mine !== undefined) return settingOf(name, mine, principalArn)
  return settingOf(name, defaults.get(name) ?? SETTING_RULES[name].fallback, rootArn(account))
}

/** Where stored settings come from (store/ecs/account-settings.ts). */
export interface SettingsSource { of (scope: Scope, principalArn: string): StoredSettings }

/** The value of a setting in force for the caller, e.g. containerInsights for a new cluster. */
export function effectiveValue (source: SettingsSource, scope: Scope, principal: Principal,
  name: SettingName): string {
  const principalArn = settingsPrincipal(principal)
  const own = source.of(scope, principalArn)
  const defaults = source.of(scope, rootArn(scope.account))
  return effectiveSetting(name, principalArn, own, defaults, scope.account).value
}

export interface SettingsQuery {
  name?: SettingName
  value?: string
  effectiveSettings?: boolean
}

/**
 * ListAccountSettings before paging: the principal's own settings, or with
 * `effectiveSettings` every setting as it applies to the principal; by name, in name order.
 */
export function listSettings (query: SettingsQuery, principalArn: string, own: StoredSettings,
  defaults: StoredSettings, account: string): Setting[] {
  const names = [...SETTING_NAMES].sort()
    .filter(n => query.name === undefined || n === query.name)
  const settings = query.effectiveSettings === true
    ? names.map(n => effectiveSetting(n, principalArn, own, defaults, account))
    : names.filter(n => own.has(n)).map(n => settingOf(n, own.get(n)!, principalArn))
  return settings.filter(s => query.value === undefined || s.value === query.value)
}
