/**
 * The agent's logger: JSON lines on stdout (the launcher forwards them into the control
 * plane's log), pretty on a TTY. Field names follow the control plane's (`taskArn`,
 * `cluster`, ...) so one search finds both sides.
 */
import pino, { type Logger } from 'pino'

export type { Logger }

export const F = {
  cluster: 'cluster',
  taskArn: 'taskArn',
  containerInstance: 'containerInstance',
  instanceId: 'instanceId',
  /** The AWS call a line is about, as IAM names it (`ecs:RegisterContainerInstance`). */
  call: 'call',
  errorCode: 'errorCode',
  messageId: 'messageId'
} as const

const REDACT = ['*.secretAccessKey', '*.SecretAccessKey', '*.sessionToken', '*.SessionToken',
  '*.Token', '*.authorization', '*.Authorization']

export function createAgentLogger (level: string, pretty = process.stdout.isTTY === true): Logger {
  const base = { name: 'ecs-agent' }
  if (!pretty) return pino({ level, redact: REDACT, base })
  return pino({ level, redact: REDACT, base, transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l' } } })
}
