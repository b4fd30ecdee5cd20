// Placeholder: replaced by the owner of the IAM operations.
import type { Operation } from '../registry.js'

export const iamOperations: Record<string, Operation> = {}
