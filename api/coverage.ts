/**
 * The operation registry as a table: what is served, and what each service's model has that
 * is not. The README's coverage section is generated from this (scripts/coverage.ts).
 */
import { SERVICES } from './app.js'
import { loadModel } from './models.js'

export interface CoverageRow { service: string, operation: string, served: boolean, notes?: string }

export function coverage (): CoverageRow[] {
  const rows: CoverageRow[] = []
  for (const s of SERVICES) {
    const model = loadModel(s.model)
    for (const name of [...Object.keys(model.operations), ...model.omittedOperations ?? []].sort()) {
      const op = s.operations[name]
      rows.push({ service: s.name, operation: name, served: op !== undefined, notes: op?.notes })
    }
  }
  return rows
}

export const servedOperations = (): CoverageRow[] => coverage().filter(r => r.served)
