/**
 * The one error type an operation throws to answer a client. The protocol codec turns it into
 * a JSON `__type` body or a query `ErrorResponse`; nothing else reaches the wire.
 */

export type Fault = 'Sender' | 'Receiver'

export class AwsError extends Error {
  readonly code: string
  readonly status: number
  readonly fault: Fault
  /** Extra members some error shapes carry (e.g. ECS `ClientException` has none; ELBv2 none). */
  readonly members?: Record<string, unknown>
  /** The decision that caused an AccessDenied, so the log and callers can link to it. */
  decisionId?: string

  constructor (code: string, message: string, status = 400, fault: Fault = 'Sender',
    members?: Record<string, unknown>) {
    super(message)
    this.name = code
    this.code = code
    this.status = status
    this.fault = fault
    this.members = members
  }
}

export const isAwsError = (e: unknown): e is AwsError => e instanceof AwsError

/** `1 validation error detected: ...` as AWS's framework words it, for one or more failures. */
export function validationMessage (failures: string[]): string {
  const n = failures.length
  return `${n} validation error${n === 1 ? '' : 's'} detected: ${failures.join('; ')}`
}
