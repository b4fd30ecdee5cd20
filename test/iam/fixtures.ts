/** What only the IAM tests share; general policy documents are in ../support/fixtures.ts. */
export const ECS_TASK_EXECUTION = 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy'
export const ECS_FOR_EC2 = 'arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role'
export const ECS_SERVICE_ROLE_POLICY = 'arn:aws:iam::aws:policy/aws-service-role/AmazonECSServiceRolePolicy'

/** What the SDK returns for IAM's URL-encoded documents, as JSON. */
export const decoded = (text: string | undefined): unknown => JSON.parse(decodeURIComponent(text ?? ''))

let n = 0
/** A name no other test in the file uses. */
export const unique = (prefix: string): string => `${prefix}${++n}${Date.now().toString(36)}`
