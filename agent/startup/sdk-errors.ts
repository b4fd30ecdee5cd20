/**
 * How an AWS SDK error reads in the texts the agent and Fargate show: the Go SDK v2 form
 * (`operation error ECR: GetAuthorizationToken, https response error StatusCode: 400, …`) that
 * current agents print, and the Go SDK v1 form (`AccessDeniedException: … status code: 400,
 * request id: …`) that Docker's awslogs driver and older Fargate agents print.
 */

/** What the texts need of a failed call. */
export interface CallFailure {
  /** The Go SDK's service name: `ECR`, `CloudWatch Logs`, `SSM`, `Secrets Manager`, `ECS`. */
  service: string
  operation: string
  /** The AWS error code (`AccessDeniedException`), or undefined when no answer came. */
  code?: string
  message: string
  status?: number
  requestId?: string
}

interface SdkError {
  name?: string
  message?: string
  $metadata?: { httpStatusCode?: number, requestId?: string }
  $response?: unknown
}

/** Reads a thrown SDK v3 error. An error without an HTTP status means no answer came. */
export function callFailure (e: unknown, service: string, operation: string): CallFailure {
  const err = (e ?? {}) as SdkError
  const status = err.$metadata?.httpStatusCode
  return {
    service,
    operation,
    code: status === undefined ? undefined : err.name,
    message: err.message ?? String(e),
    status,
    requestId: err.$metadata?.requestId
  }
}

export const isCode = (f: CallFailure, code: string): boolean => f.code === code

/** `operation error ECR: GetAuthorizationToken, https response error StatusCode: 400, RequestID: …, api error CODE: MESSAGE` */
export function goV2 (f: CallFailure): string {
  if (f.code === undefined) {
    return `operation error ${f.service}: ${f.operation}, https response error StatusCode: 0, RequestID: , request send failed, ${f.message}`
  }
  return `operation error ${f.service}: ${f.operation}, https response error StatusCode: ${f.status}, RequestID: ${f.requestId ?? ''}, api error ${f.code}: ${f.message}`
}

/**
 * `CODE: MESSAGE<sep>status code: 400, request id: …`; aws-sdk-go v1 puts a newline and a tab
 * before `status code`, which consoles show as a space.
 */
export function goV1 (f: CallFailure, separator = ' '): string {
  if (f.code === undefined) return `RequestError: send request failed${separator}caused by: ${f.message}`
  return `${f.code}: ${f.message}${separator}status code: ${f.status}, request id: ${f.requestId ?? ''}`
}

/** The first 1024 characters: what the agent sends of a reason (ecs-agent/api/ecs/client). */
export const trimReason = (reason: string): string => reason.slice(0, 1024)
