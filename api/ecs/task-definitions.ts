// Placeholder: replaced by the owner of these operations.
import type { Operation } from '../registry.js'

export const taskDefinitionOperations: Record<string, Operation> = {}
