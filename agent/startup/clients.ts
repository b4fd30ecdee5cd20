/**
 * The SDK clients the start-up steps use: every one pointed at the control plane's endpoint,
 * in the region the resource lives in, signing with the role the call is made as.
 */
import { ECRClient } from '@aws-sdk/client-ecr'
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs'
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager'
import { SSMClient } from '@aws-sdk/client-ssm'
import { ECSClient } from '@aws-sdk/client-ecs'
import type { AwsCredentials } from '../engine.js'

/** Resolves the credentials to sign with at the moment of the call (they are refreshed). */
export type CredentialSource = () => Promise<AwsCredentials>

export interface ClientFactory {
  ecr (region: string, credentials: CredentialSource): ECRClient
  logs (region: string, credentials: CredentialSource): CloudWatchLogsClient
  secretsManager (region: string, credentials: CredentialSource): SecretsManagerClient
  ssm (region: string, credentials: CredentialSource): SSMClient
  ecs (region: string, credentials: CredentialSource): ECSClient
}

/**
 * One attempt per call: the texts AWS shows say "retried 1 time(s)" and the emulator answers
 * at once, so retrying would only delay the failure.
 */
export function clientFactory (endpoint: string): ClientFactory {
  const common = (region: string, credentials: CredentialSource) => ({
    endpoint,
    region,
    maxAttempts: 1,
    // A fresh read on every call, so refreshed credentials are used as soon as they arrive.
    credentials: async () => {
      const c = await credentials()
      return { ...c, expiration: new Date(Date.now() + 1000) }
    }
  })
  return {
    ecr: (region, c) => new ECRClient(common(region, c)),
    logs: (region, c) => new CloudWatchLogsClient(common(region, c)),
    secretsManager: (region, c) => new SecretsManagerClient(common(region, c)),
    ssm: (region, c) => new SSMClient(common(region, c)),
    ecs: (region, c) => new ECSClient(common(region, c))
  }
}
