/** Policy documents and small helpers the IAM tests share. */
export const ACCOUNT = '000000000000'

export const trustService = (service: string): string => JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }]
})

export const trustAccount = (account = ACCOUNT): string => JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sts:AssumeRole' }]
})

export const allow = (action: string | string[], resource: string | string[] = '*'): string => JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: action, Resource: resource }]
})

export const deny = (action: string | string[], resource: string | string[] = '*'): string => JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Deny', Action: action, Resource: resource }]
})

export const ECS_TASK_EXECUTION = 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy'
export const ECS_FOR_EC2 = 'arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role'
export const ECS_SERVICE_ROLE_POLICY = 'arn:aws:iam::aws:policy/aws-service-role/AmazonECSServiceRolePolicy'

/** What the SDK returns for IAM's URL-encoded documents, as JSON. */
export const decoded = (text: string | undefined): unknown => JSON.parse(decodeURIComponent(text ?? ''))

let n = 0
/** A name no other test in the file uses. */
export const unique = (prefix: string): string => `${prefix}${++n}${Date.now().toString(36)}`
