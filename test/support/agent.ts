/**
 * One agent (an emulated EC2 instance) for a test file: it joins `cluster` on the local Docker
 * engine before the file's tests, and is stopped, with every container its tasks made, after.
 */
import { afterAll, beforeAll } from 'vitest'
import pino from 'pino'
import { CreateClusterCommand } from '@aws-sdk/client-ecs'
import { runAgent, type RunningAgent } from '../../agent/main.js'
import { dataDirs } from '../agent/fake-engine.js'
import { ensureImages, removeByLabel, testRunLabel } from './docker.js'
import type { UsedEmulator } from './emulator.js'

export interface AgentOptions {
  cluster: string
  /** Names the file's containers (testRunLabel's scope). */
  scope: string
  /** The agent's back-offs, scaled (0.01 unless given). */
  timeScale?: number
}

export function useAgent (t: UsedEmulator, o: AgentOptions): { labels: Record<string, string> } {
  const labels = testRunLabel(o.scope)
  const dirs = dataDirs()
  let agent: RunningAgent | undefined
  beforeAll(async () => {
    await ensureImages()
    await t.ecs.send(new CreateClusterCommand({ clusterName: o.cluster }))
    agent = runAgent({
      endpoint: t.emu.url, cluster: o.cluster, dataDir: dirs.make(), labels,
      timeScale: o.timeScale ?? 0.01, log: pino({ level: process.env.ECS_EMULATOR_TEST_LOG ?? 'silent' })
    })
    await agent.connected()
  }, 60_000)
  afterAll(async () => {
    await agent?.stop()
    await removeByLabel(labels)
    dirs.cleanup()
  }, 30_000)
  return { labels }
}
