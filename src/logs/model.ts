/**
 * CloudWatch Logs records, ARNs and errors. Times are epoch milliseconds, as Logs sends them.
 */
import { AwsError, validationMessage } from '../../api/errors.js'

export interface Place { account: string, region: string }

export interface LogGroupRecord extends Place {
  logGroupName: string
  creationTime: number
  retentionInDays?: number
  kmsKeyId?: string
  logGroupClass: string
  deletionProtectionEnabled: boolean
}

export interface LogStreamRecord extends Place {
  logGroupName: string
  logStreamName: string
  creationTime: number
  firstEventTimestamp?: number
  lastEventTimestamp?: number
  lastIngestionTime?: number
  /** How many PutLogEvents batches the stream took: the sequence token is made from it. */
  uploads: number
}

export interface LogEventRecord {
  id: number
  logStreamName: string
  timestamp: number
  ingestionTime: number
  message: string
}

export const logArns = {
  /** `logGroupArn`: the group's ARN as tagging takes it. */
  group: (p: Place, name: string) => `arn:aws:logs:${p.region}:${p.account}:log-group:${name}`,
  /** DescribeLogGroups `arn`: the group's ARN with `:*` for its streams. */
  groupWildcard: (p: Place, name: string) => `${logArns.group(p, name)}:*`,
  stream: (p: Place, group: string, stream: string) =>
    `${logArns.group(p, group)}:log-stream:${stream}`,
  /**
   * What Logs authorizes group-level actions on: the group with an empty stream part, as its
   * denials name it (`...:log-group:NAME:log-stream:`).
   */
  groupActions: (p: Place, name: string) => `${logArns.group(p, name)}:log-stream:`
}

const GROUP_ARN = /^arn:aws[\w-]*:logs:([^:]+):(\d{12}):log-group:([^:]+)(?::\*)?$/

/** The place and name a log group ARN (with or without `:*`) names, or undefined. */
export function parseGroupArn (arn: string): (Place & { name: string }) | undefined {
  const m = GROUP_ARN.exec(arn)
  return m === null ? undefined : { region: m[1], account: m[2], name: m[3] }
}

/** A `logGroupIdentifier` is a name or an ARN; ARNs name the group after `log-group:`. */
export const groupNameOf = (identifier: string): string =>
  identifier.startsWith('arn:') ? (parseGroupArn(identifier)?.name ?? identifier) : identifier

export const logsErrors = {
  groupExists: () => new AwsError('ResourceAlreadyExistsException', 'The specified log group already exists'),
  streamExists: () => new AwsError('ResourceAlreadyExistsException', 'The specified log stream already exists'),
  noGroup: () => new AwsError('ResourceNotFoundException', 'The specified log group does not exist.'),
  noStream: () => new AwsError('ResourceNotFoundException', 'The specified log stream does not exist.'),
  invalid: (message: string) => new AwsError('InvalidParameterException', message),
  validation: (failures: string[]) => new AwsError('InvalidParameterException', validationMessage(failures))
}

export const RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653
]

/** Throws the framework's enum failure for a retention Logs does not offer. */
export function checkRetention (days: number): void {
  if (RETENTION_DAYS.includes(days)) return
  // (unconfirmed) the `Value 'N'` part: some reports show it, others `Value at`.
  throw logsErrors.validation([`Value '${days}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [${RETENTION_DAYS.join(', ')}]`])
}

/** A fresh log group. */
export interface NewLogGroup {
  logGroupName: string
  kmsKeyId?: string
  logGroupClass?: string
  deletionProtectionEnabled?: boolean
}

export function newGroup (place: Place, input: NewLogGroup, now: Date): LogGroupRecord {
  return {
    ...place,
    logGroupName: input.logGroupName,
    creationTime: now.getTime(),
    kmsKeyId: input.kmsKeyId,
    logGroupClass: input.logGroupClass ?? 'STANDARD',
    deletionProtectionEnabled: input.deletionProtectionEnabled ?? false
  }
}

export function newStream (group: LogGroupRecord, name: string, now: Date): LogStreamRecord {
  return {
    account: group.account,
    region: group.region,
    logGroupName: group.logGroupName,
    logStreamName: name,
    creationTime: now.getTime(),
    uploads: 0
  }
}

/** The 56-digit token Logs hands out after a stream's n-th batch. */
export const sequenceToken = (uploads: number): string => String(uploads).padStart(56, '0')
