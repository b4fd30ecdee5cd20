import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'

describe('the registry port', () => {
  it('is the port after --port unless set, so that every repositoryUri stays the same across restarts', () => {
    expect(loadConfig([], {}).registryPort).toBe(4567)
    expect(loadConfig(['--port', '4600'], {}).registryPort).toBe(4601)
    expect(loadConfig([], { ECS_EMULATOR_PORT: '5000' }).registryPort).toBe(5001)
  })

  it('is a free one when --port is 0', () => {
    expect(loadConfig(['--port', '0'], {}).registryPort).toBe(0)
    expect(loadConfig([], {}, { port: 0 }).registryPort).toBe(0)
  })

  it('is what --registry-port, its variable or an override says', () => {
    expect(loadConfig(['--port', '4600', '--registry-port', '5999'], {}).registryPort).toBe(5999)
    expect(loadConfig([], { ECS_EMULATOR_REGISTRY_PORT: '0' }).registryPort).toBe(0)
    expect(loadConfig([], {}, { port: 0, registryPort: 6000 }).registryPort).toBe(6000)
  })
})
