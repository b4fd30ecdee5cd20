/**
 * What the agent keeps across restarts, as the ECS agent's checkpoint does: the EC2 instance
 * it runs on, the cluster, and its container instance ARN (`DATA_DIR/agent.json`); and the
 * emulator's state generation it joined under, which a reset replaces.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface AgentState {
  instanceId?: string
  cluster?: string
  containerInstanceArn?: string
  generation?: string
}

export class StateFile {
  readonly path: string

  constructor (readonly dataDir: string) {
    this.path = join(dataDir, 'agent.json')
  }

  /** The saved state; empty when there is none (a first start). */
  read (): AgentState {
    let text: string
    try {
      text = readFileSync(this.path, 'utf8')
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return {}
      throw e
    }
    const doc = JSON.parse(text) as unknown
    return doc !== null && typeof doc === 'object' ? pick(doc as Record<string, unknown>) : {}
  }

  /** Writes atomically (a temporary file renamed over the old one). */
  write (state: AgentState): void {
    mkdirSync(this.dataDir, { recursive: true })
    const temporary = `${this.path}.${process.pid}.tmp`
    writeFileSync(temporary, JSON.stringify(state, null, 2) + '\n')
    renameSync(temporary, this.path)
  }
}

function pick (doc: Record<string, unknown>): AgentState {
  const text = (v: unknown): string | undefined => typeof v === 'string' && v !== '' ? v : undefined
  const state: AgentState = {}
  if (text(doc.instanceId) !== undefined) state.instanceId = text(doc.instanceId)
  if (text(doc.cluster) !== undefined) state.cluster = text(doc.cluster)
  if (text(doc.containerInstanceArn) !== undefined) state.containerInstanceArn = text(doc.containerInstanceArn)
  if (text(doc.generation) !== undefined) state.generation = text(doc.generation)
  return state
}
