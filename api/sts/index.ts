/**
 * AWS Security Token Service (awsQuery, version 2011-06-15).
 */
import { AwsError, validationMessage } from '../errors.js'
import { operation, type Service } from '../registry.js'
import { assumeRole, getSessionToken, packedPolicySize, type AssumeRoleRequest } from '../../src/sts/sessions.js'
import type { SessionRecord } from '../../store/sts.js'

const wireCredentials = (s: SessionRecord) => ({
  AccessKeyId: s.accessKeyId,
  SecretAccessKey: s.secretAccessKey,
  SessionToken: s.sessionToken,
  Expiration: s.expiration
})

const GetCallerIdentity = operation({
  handle (_input: object, ctx) {
    return { UserId: ctx.principal.userId, Account: ctx.principal.account, Arn: ctx.principal.arn }
  }
})

const AssumeRole = operation({
  authorize: 'handler',
  handle (input: AssumeRoleRequest, ctx) {
    const session = assumeRole(input, ctx)
    ctx.emulator.sessions.add(session)
    return {
      Credentials: wireCredentials(session),
      AssumedRoleUser: {
        AssumedRoleId: `${session.roleId}:${session.roleSessionName}`,
        Arn: `arn:aws:sts::${session.account}:assumed-role/${session.roleName}/${session.roleSessionName}`
      },
      PackedPolicySize: packedPolicySize(input),
      SourceIdentity: session.sourceIdentity
    }
  }
})

const GetSessionToken = operation({
  authorize: 'handler',
  notes: 'MFA (`SerialNumber`, `TokenCode`) is accepted and not checked; the IAM and STS limits on session-token callers are not applied.',
  handle (input: { DurationSeconds?: number }, ctx) {
    const session = getSessionToken(input.DurationSeconds, ctx)
    ctx.emulator.sessions.add(session)
    return { Credentials: wireCredentials(session) }
  }
})

export const sts: Service = {
  name: 'sts',
  model: 'sts',
  protocol: 'query',
  signingName: 'sts',
  actionPrefix: 'sts',
  version: '2011-06-15',
  xmlNamespace: 'https://sts.amazonaws.com/doc/2011-06-15/',
  checkPatterns: true,
  invalidInput: failures => new AwsError('ValidationError', validationMessage(failures)),
  operations: { GetCallerIdentity, AssumeRole, GetSessionToken }
}
