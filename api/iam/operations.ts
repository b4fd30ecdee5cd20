/**
 * Every IAM operation the emulator serves, keyed by its AWS name.
 */
import type { Operation } from '../registry.js'
import { userOperations } from './users.js'
import { roleOperations } from './roles.js'
import { policyOperations } from './policies.js'
import { instanceProfileOperations } from './instance-profiles.js'
import { simulateOperations } from './simulate.js'
import { accountOperations } from './account.js'

export const iamOperations: Record<string, Operation> = {
  ...userOperations,
  ...roleOperations,
  ...policyOperations,
  ...instanceProfileOperations,
  ...simulateOperations,
  ...accountOperations
}
