/**
 * The agent's parts that need no control plane: the instance credentials provider's refresh,
 * and the state-change queue's order and retries.
 */
import { describe, expect, it } from 'vitest'
import pino from 'pino'
import { InstanceCredentials } from '../../agent/credentials.js'
import type { EcsApi } from '../../agent/ecs-api.js'
import type { ImdsClient, ImdsCredentials } from '../../agent/imds.js'
import { StateReporter } from '../../agent/reporter.js'
import { until } from './fake-engine.js'

const silent = pino({ level: 'silent' })

function imdsIssuing (lifetimeMs: number): { imds: ImdsClient, reads: () => number } {
  let reads = 0
  const imds = {
    roleName: async () => 'role',
    roleCredentials: async (): Promise<ImdsCredentials> => {
      reads++
      return {
        Code: 'Success', AccessKeyId: `ASIA${reads}`, SecretAccessKey: 's', Token: 't',
        Expiration: new Date(Date.now() + lifetimeMs).toISOString()
      }
    }
  } as unknown as ImdsClient
  return { imds, reads: () => reads }
}

describe('InstanceCredentials', () => {
  it('keeps credentials while they are fresh and reads IMDS again before they expire', async () => {
    const long = imdsIssuing(6 * 3_600_000)
    const provider = new InstanceCredentials(long.imds, silent)
    expect((await provider.provide()).accessKeyId).toBe('ASIA1')
    expect((await provider.provide()).accessKeyId).toBe('ASIA1')
    expect(long.reads()).toBe(1)
    expect(provider.role).toBe('role')

    const short = imdsIssuing(2_000) // refreshed in its second half
    const shortProvider = new InstanceCredentials(short.imds, silent)
    await shortProvider.provide()
    await new Promise(resolve => setTimeout(resolve, 1_100))
    expect((await shortProvider.provide()).accessKeyId).toBe('ASIA2')
  })

  it('reads once for concurrent callers', async () => {
    const source = imdsIssuing(3_600_000)
    const provider = new InstanceCredentials(source.imds, silent)
    await Promise.all([provider.provide(), provider.provide(), provider.provide()])
    expect(source.reads()).toBe(1)
  })
})

describe('StateReporter', () => {
  it('submits a task\'s changes in order, retrying a failed one before the next', async () => {
    const sent: string[] = []
    let failures = 2
    const api = {
      submitTaskStateChange: async (input: { task: string, status: string }) => {
        if (input.task === 'a' && input.status === 'RUNNING' && failures-- > 0) {
          throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } })
        }
        sent.push(`${input.task}:${input.status}`)
      }
    } as unknown as EcsApi
    const reporter = new StateReporter({ api, log: silent, cluster: 'probe', timeScale: 0.001 })
    reporter.report({ taskArn: 'a', status: 'RUNNING', containers: [] })
    reporter.report({ taskArn: 'a', status: 'STOPPED', containers: [] })
    reporter.report({ taskArn: 'b', status: 'RUNNING', containers: [] })
    await until(() => sent.length === 3, 'three submissions')
    expect(sent.indexOf('a:RUNNING')).toBeLessThan(sent.indexOf('a:STOPPED'))
    expect(failures).toBe(-1)
    reporter.close()
  })
})
