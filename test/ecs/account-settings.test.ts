import { describe, expect, it } from 'vitest'
import {
  DeleteAccountSettingCommand, ECSClient, ListAccountSettingsCommand, PutAccountSettingCommand,
  PutAccountSettingDefaultCommand
} from '@aws-sdk/client-ecs'
import { useEmulator } from '../support/emulator.js'
import { failure } from '../support/fixtures.js'

const ROOT = 'arn:aws:iam::000000000000:root'
const USER = 'arn:aws:iam::000000000000:user/MyUser'

const t = useEmulator()

/** A client in a region of its own, so each test starts from AWS's defaults. */
const REGIONS = ['us-west-1', 'us-west-2', 'eu-north-1', 'eu-central-1', 'sa-east-1', 'ap-northeast-1',
  'ap-northeast-2', 'ap-northeast-3', 'ap-southeast-1', 'ap-southeast-2', 'me-south-1', 'af-south-1',
  'eu-south-1', 'eu-west-2', 'eu-west-3', 'ap-east-1', 'me-central-1', 'il-central-1', 'eu-south-2',
  'ap-south-2', 'ap-southeast-3', 'ap-southeast-4', 'eu-central-2', 'mx-central-1']
const fresh = (): ECSClient => {
  const region = REGIONS.shift()
  if (region === undefined) throw new Error('out of fresh regions: add some to REGIONS')
  return t.emu.clients(undefined, region).ecs
}

describe('ListAccountSettings', () => {
  it('lists nothing for a principal that set nothing', async () => {
    const out = await fresh().send(new ListAccountSettingsCommand({}))
    expect(out.settings).toEqual([])
  })

  it("lists every setting with AWS's defaults as the effective settings", async () => {
    const ecs = fresh()
    const first = await ecs.send(new ListAccountSettingsCommand({ effectiveSettings: true }))
    const second = await ecs.send(new ListAccountSettingsCommand({ effectiveSettings: true, nextToken: first.nextToken }))
    const all = [...first.settings!, ...second.settings!]
    expect(first.settings).toHaveLength(10)
    expect(second.nextToken).toBeUndefined()
    expect(Object.fromEntries(all.map(s => [s.name, s.value]))).toEqual({
      awsvpcTrunking: 'disabled',
      containerInsights: 'disabled',
      containerInstanceLongArnFormat: 'enabled',
      defaultLogDriverMode: 'non-blocking',
      fargateEventWindows: 'disabled',
      fargateFIPSMode: 'disabled',
      fargateTaskRetirementWaitPeriod: '7',
      guardDutyActivate: 'off',
      serviceLongArnFormat: 'enabled',
      tagResourceAuthorization: 'on',
      taskLongArnFormat: 'enabled'
    })
    expect(all.find(s => s.name === 'guardDutyActivate')).toEqual({ name: 'guardDutyActivate', value: 'off', principalArn: ROOT, type: 'aws_managed' })
    expect(all.find(s => s.name === 'awsvpcTrunking')).toEqual({ name: 'awsvpcTrunking', value: 'disabled', principalArn: ROOT, type: 'user' })
  })

  it("prefers a principal's own setting over the account default", async () => {
    const ecs = fresh()
    await ecs.send(new PutAccountSettingDefaultCommand({ name: 'awsvpcTrunking', value: 'enabled' }))
    await ecs.send(new PutAccountSettingCommand({ name: 'awsvpcTrunking', value: 'disabled', principalArn: USER }))
    await ecs.send(new PutAccountSettingDefaultCommand({ name: 'containerInsights', value: 'enhanced' }))

    const out = await ecs.send(new ListAccountSettingsCommand({ principalArn: USER, effectiveSettings: true, name: 'awsvpcTrunking' }))
    expect(out.settings).toEqual([{ name: 'awsvpcTrunking', value: 'disabled', principalArn: USER, type: 'user' }])
    const insights = await ecs.send(new ListAccountSettingsCommand({ principalArn: USER, effectiveSettings: true, name: 'containerInsights' }))
    expect(insights.settings).toEqual([{ name: 'containerInsights', value: 'enhanced', principalArn: ROOT, type: 'user' }])
  })

  it('filters by value and pages with maxResults', async () => {
    const ecs = fresh()
    const enabled = await ecs.send(new ListAccountSettingsCommand({ effectiveSettings: true, value: 'enabled' }))
    expect(enabled.settings!.map(s => s.name)).toEqual(['containerInstanceLongArnFormat', 'serviceLongArnFormat', 'taskLongArnFormat'])

    const page = await ecs.send(new ListAccountSettingsCommand({ effectiveSettings: true, maxResults: 4 }))
    expect(page.settings).toHaveLength(4)
    expect(page.nextToken).toBeDefined()
  })

  it('fails with InvalidParameterException for maxResults over 10', async () => {
    const e = await failure(fresh().send(new ListAccountSettingsCommand({ maxResults: 11 })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe('maxResults must be between 1 and 10')
  })
})

describe('PutAccountSetting', () => {
  it('sets the setting for the caller', async () => {
    const ecs = fresh()
    const out = await ecs.send(new PutAccountSettingCommand({ name: 'containerInsights', value: 'enabled' }))
    expect(out.setting).toEqual({ name: 'containerInsights', value: 'enabled', principalArn: ROOT, type: 'user' })
    const list = await ecs.send(new ListAccountSettingsCommand({}))
    expect(list.settings).toEqual([out.setting])
  })

  it('sets the setting for another principal', async () => {
    const ecs = fresh()
    const out = await ecs.send(new PutAccountSettingCommand({ name: 'serviceLongArnFormat', value: 'enabled', principalArn: USER }))
    expect(out.setting).toEqual({ name: 'serviceLongArnFormat', value: 'enabled', principalArn: USER, type: 'user' })
    expect((await ecs.send(new ListAccountSettingsCommand({ principalArn: USER }))).settings).toEqual([out.setting])
    expect((await ecs.send(new ListAccountSettingsCommand({}))).settings).toEqual([])
  })

  it('is authorized on * with ecs:account-setting', async () => {
    await fresh().send(new PutAccountSettingCommand({ name: 'fargateFIPSMode', value: 'enabled' }))
    const [record] = t.emu.emulator.decisions.query({ action: 'ecs:PutAccountSetting', limit: 1 })
    expect(record).toMatchObject({ resource: '*', context: { 'ecs:account-setting': 'fargateFIPSMode' } })
  })

  it('accepts 0, 7 and 14 for fargateTaskRetirementWaitPeriod', async () => {
    const ecs = fresh()
    for (const value of ['0', '7', '14']) {
      const out = await ecs.send(new PutAccountSettingCommand({ name: 'fargateTaskRetirementWaitPeriod', value }))
      expect(out.setting!.value).toBe(value)
    }
  })

  it("fails with InvalidParameterException: Invalid setting 'value' for ENABLED", async () => {
    const e = await failure(fresh().send(new PutAccountSettingCommand({ name: 'taskLongArnFormat', value: 'ENABLED' })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe("Invalid setting 'value'")
  })

  it("fails with InvalidParameterException: Invalid setting 'value' for tagResourceAuthorization enabled", async () => {
    const e = await failure(fresh().send(new PutAccountSettingCommand({ name: 'tagResourceAuthorization', value: 'enabled' })))
    expect(e.message).toBe("Invalid setting 'value'")
  })

  it('fails with InvalidParameterException for the AWS-managed guardDutyActivate', async () => {
    const e = await failure(fresh().send(new PutAccountSettingCommand({ name: 'guardDutyActivate', value: 'on' })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe("Invalid setting 'name'")
  })
})

describe('PutAccountSettingDefault', () => {
  it("sets the account default, reported as the root user's setting", async () => {
    const ecs = fresh()
    const out = await ecs.send(new PutAccountSettingDefaultCommand({ name: 'serviceLongArnFormat', value: 'disabled' }))
    expect(out.setting).toEqual({ name: 'serviceLongArnFormat', value: 'disabled', principalArn: ROOT, type: 'user' })
    const user = await ecs.send(new ListAccountSettingsCommand({ principalArn: USER, effectiveSettings: true, name: 'serviceLongArnFormat' }))
    expect(user.settings).toEqual([out.setting])
  })

  it("fails with InvalidParameterException: Invalid setting 'value'", async () => {
    const e = await failure(fresh().send(new PutAccountSettingDefaultCommand({ name: 'fargateTaskRetirementWaitPeriod', value: '3' })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe("Invalid setting 'value'")
  })
})

describe('DeleteAccountSetting', () => {
  it('removes the setting and answers with what it was', async () => {
    const ecs = fresh()
    await ecs.send(new PutAccountSettingCommand({ name: 'awsvpcTrunking', value: 'enabled', principalArn: USER }))
    const out = await ecs.send(new DeleteAccountSettingCommand({ name: 'awsvpcTrunking', principalArn: USER }))
    expect(out.setting).toEqual({ name: 'awsvpcTrunking', value: 'enabled', principalArn: USER, type: 'user' })
    expect((await ecs.send(new ListAccountSettingsCommand({ principalArn: USER }))).settings).toEqual([])
  })

  it('answers without a setting when there was none', async () => {
    const out = await fresh().send(new DeleteAccountSettingCommand({ name: 'awsvpcTrunking' }))
    expect(out.setting).toBeUndefined()
  })
})

describe('account setting isolation', () => {
  it('keeps a setting made in one region out of another', async () => {
    const east = t.emu.clients(undefined, 'us-east-2').ecs
    const west = t.emu.clients(undefined, 'ca-west-1').ecs
    await east.send(new PutAccountSettingCommand({ name: 'awsvpcTrunking', value: 'enabled' }))
    expect((await west.send(new ListAccountSettingsCommand({}))).settings).toEqual([])
  })
})
