import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.js'
import { startEmulator } from '../support/emulator.js'

describe('the time scale setting', () => {
  it('is 1 (AWS\'s own timing) unless set', () => {
    expect(loadConfig([], {}).timeScale).toBe(1)
  })

  it('is read from --time-scale, and from ECS_EMULATOR_TIME_SCALE below the flag', () => {
    expect(loadConfig(['--time-scale', '0.05'], {}).timeScale).toBe(0.05)
    expect(loadConfig([], { ECS_EMULATOR_TIME_SCALE: '0.2' }).timeScale).toBe(0.2)
    expect(loadConfig(['--time-scale=0.5'], { ECS_EMULATOR_TIME_SCALE: '0.2' }).timeScale).toBe(0.5)
  })

  it.each(['0', '-1', 'fast', '5000'])('refuses %s', value => {
    expect(() => loadConfig(['--time-scale', value], {})).toThrow(ConfigError)
  })

  it('is what the health endpoint reports, and what the data plane and the scheduler run under', async () => {
    const emu = await startEmulator({ timeScale: 0.25 })
    try {
      const health = await (await fetch(`${emu.url}/_emulator/health`)).json() as { timeScale: number }
      expect(health.timeScale).toBe(0.25)
      expect(emu.emulator.loadBalancers.scale).toBe(0.25)
      expect(emu.emulator.serviceScheduler.scale).toBe(0.25)
    } finally {
      await emu.close()
    }
  })
})
