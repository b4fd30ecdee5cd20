/**
 * ECS account settings: ListAccountSettings, PutAccountSetting, PutAccountSettingDefault,
 * DeleteAccountSetting. A principal's setting wins over the account default (the root user's
 * setting), which wins over AWS's default.
 */
import { operation, type Check, type Operation, type OperationContext } from '../registry.js'
import {
  checkSettingChange, listSettings, rootArn, settingOf, settingsPrincipal, type SettingName
} from '../../src/ecs/account-settings.js'
import { scopeOf } from '../../src/ecs/context.js'
import { paginate } from '../../src/ecs/pagination.js'

/** The writes are authorized on `*` with the setting's name as `ecs:account-setting`. */
const settingCheck = (action: string, name: SettingName): Check[] =>
  [{ action, resource: '*', context: { 'ecs:account-setting': name } }]

const principalOf = (ctx: OperationContext, given: string | undefined): string =>
  given ?? settingsPrincipal(ctx.principal)

interface ListAccountSettingsRequest {
  name?: SettingName
  value?: string
  principalArn?: string
  effectiveSettings?: boolean
  maxResults?: number
  nextToken?: string
}

const ListAccountSettings = operation({
  handle (input: ListAccountSettingsRequest, ctx) {
    const scope = scopeOf(ctx)
    const principalArn = principalOf(ctx, input.principalArn)
    const store = ctx.emulator.ecs.accountSettings

    const all = listSettings(input, principalArn, store.of(scope, principalArn),
      store.of(scope, rootArn(ctx.account)), ctx.account)
    const page = paginate(all, input.maxResults, input.nextToken, { fallback: 10, max: 10 })
    return { settings: page.items, nextToken: page.nextToken }
  }
})

interface PutAccountSettingRequest { name: SettingName, value: string, principalArn?: string }
interface SettingNamed { name: SettingName }

const PutAccountSetting = operation({
  authorize: (input: SettingNamed) => settingCheck('ecs:PutAccountSetting', input.name),
  notes: 'Any caller may set `fargateTaskRetirementWaitPeriod`; AWS requires the root user for it.',
  handle (input: PutAccountSettingRequest, ctx) {
    checkSettingChange(input.name, input.value)

    const principalArn = principalOf(ctx, input.principalArn)
    ctx.emulator.ecs.accountSettings.put(scopeOf(ctx), principalArn, input.name, input.value)
    return { setting: settingOf(input.name, input.value, principalArn) }
  }
})

const PutAccountSettingDefault = operation({
  authorize: (input: SettingNamed) => settingCheck('ecs:PutAccountSettingDefault', input.name),
  handle (input: { name: SettingName, value: string }, ctx) {
    checkSettingChange(input.name, input.value)

    const principalArn = rootArn(ctx.account)
    ctx.emulator.ecs.accountSettings.put(scopeOf(ctx), principalArn, input.name, input.value)
    return { setting: settingOf(input.name, input.value, principalArn) }
  }
})

const DeleteAccountSetting = operation({
  authorize: (input: SettingNamed) => settingCheck('ecs:DeleteAccountSetting', input.name),
  notes: 'Answers without `setting` when the principal had no such setting (unconfirmed).',
  handle (input: { name: SettingName, principalArn?: string }, ctx) {
    checkSettingChange(input.name, undefined)

    const principalArn = principalOf(ctx, input.principalArn)
    const old = ctx.emulator.ecs.accountSettings.delete(scopeOf(ctx), principalArn, input.name)
    return old === undefined ? {} : { setting: settingOf(input.name, old, principalArn) }
  }
})

export const accountSettingOperations: Record<string, Operation> = {
  ListAccountSettings, PutAccountSetting, PutAccountSettingDefault, DeleteAccountSetting
}
