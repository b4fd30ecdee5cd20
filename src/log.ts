/**
 * The logger and the field names every log line uses, kept in one place so that a log search
 * for `taskArn` or `principal` finds every line about it.
 */
import pino, { type Logger } from 'pino'

export type { Logger }

export const F = {
  requestId: 'requestId',
  service: 'service',
  operation: 'operation',
  account: 'account',
  region: 'region',
  principal: 'principal',
  action: 'action',
  resource: 'resource',
  decision: 'decision',
  errorCode: 'errorCode',
  cluster: 'cluster',
  taskArn: 'taskArn',
  containerName: 'containerName',
  dockerId: 'dockerId',
  knownStatus: 'knownStatus',
  desiredStatus: 'desiredStatus'
} as const

/** pino, pretty-printed on a TTY; secrets never reach it (see `redact`). */
export function createLogger (level: string, pretty = process.stdout.isTTY === true): Logger {
  const redact = ['*.secretAccessKey', '*.SecretAccessKey', '*.sessionToken', '*.SessionToken',
    '*.authorization', 'req.headers.authorization', '*.password']
  if (!pretty) return pino({ level, redact })
  return pino({ level, redact, transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l' } } })
}
