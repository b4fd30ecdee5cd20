/**
 * The container credentials endpoint, answered as the agent answers it
 * (ecs-agent/tmds/handlers/v1|v2 credentials handlers): the task role's credentials for an id
 * the agent holds, JSON errors with the agent's codes and texts otherwise.
 */
import type { AcsCredentials } from '../acs-task.js'

/** The task role credentials for an id, or undefined when the agent holds none. */
export type CredentialsLookup = (credentialsId: string) => AcsCredentials | undefined

export interface Answer { status: number, body: unknown }

export function credentialsAnswer (path: string, query: URLSearchParams,
  lookup: CredentialsLookup): Answer {
  const v1 = path === '/v1/credentials'
  const prefix = v1 ? 'CredentialsV1Request' : 'CredentialsV2Request'
  const id = v1 ? query.get('id') ?? '' : decodeURIComponent(path.slice('/v2/credentials/'.length))
  if (id === '') return failure(400, 'NoIdInRequest', `${prefix}: No Credential ID in the request`)
  const credentials = lookup(id)
  if (credentials === undefined) return failure(400, 'InvalidIdInRequest', `${prefix}: Credentials not found`)
  // The agent marshals the members in this order.
  return {
    status: 200,
    body: {
      RoleArn: credentials.roleArn,
      AccessKeyId: credentials.accessKeyId,
      SecretAccessKey: credentials.secretAccessKey,
      Token: credentials.sessionToken,
      Expiration: credentials.expiration
    }
  }
}

const failure = (status: number, code: string, message: string): Answer =>
  ({ status, body: { code, message, HTTPErrorCode: status } })
