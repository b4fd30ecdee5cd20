/** Policy documents, ARNs and small helpers the tests share. */
import {
  CreateAccessKeyCommand, CreateUserCommand, PutUserPolicyCommand, type IAMClient
} from '@aws-sdk/client-iam'
import type { Credentials } from './emulator.js'

export const ACCOUNT = '000000000000'

/** The error a call fails with (the test fails if it succeeds). */
export async function failure (p: Promise<unknown>): Promise<{ name: string, message: string }> {
  try { await p } catch (e) { return e as Error }
  throw new Error('expected the call to fail')
}

export const policyDocument = (...statements: object[]): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements })

type Names = string | string[]

export const allowPolicy = (action: Names, resource: Names = '*'): string =>
  policyDocument({ Effect: 'Allow', Action: action, Resource: resource })

export const denyPolicy = (action: Names, resource: Names = '*'): string =>
  policyDocument({ Effect: 'Deny', Action: action, Resource: resource })

type Principal = Record<string, string | string[]>

/** A trust policy letting `principal` call sts:AssumeRole; `more` adds or replaces members. */
export const trustPolicy = (principal: Principal, more: object = {}): string =>
  policyDocument({ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole', ...more })

export const trustService = (service: string): string => trustPolicy({ Service: service })

export const trustAccount = (account = ACCOUNT): string =>
  trustPolicy({ AWS: `arn:aws:iam::${account}:root` })

export const clusterArn = (name: string, region = 'us-east-1'): string =>
  `arn:aws:ecs:${region}:${ACCOUNT}:cluster/${name}`

/** SDK credentials from an access key or STS credentials. */
export function credentialsOf (
  key: { AccessKeyId?: string, SecretAccessKey?: string, SessionToken?: string }
): Credentials {
  const credentials: Credentials = {
    accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey!
  }
  if (key.SessionToken !== undefined) credentials.sessionToken = key.SessionToken
  return credentials
}

/** An IAM user with one inline policy (or none) and an access key; its credentials. */
export async function userWithKey (
  iam: IAMClient, name: string, policy?: string
): Promise<Credentials> {
  await iam.send(new CreateUserCommand({ UserName: name }))
  if (policy !== undefined) {
    await iam.send(new PutUserPolicyCommand({
      UserName: name, PolicyName: 'only', PolicyDocument: policy
    }))
  }
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: name }))
  return credentialsOf(AccessKey!)
}
