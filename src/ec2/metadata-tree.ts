/**
 * What an instance's metadata service answers, path by path: the `meta-data`, `dynamic` and
 * `user-data` trees of IMDS, built fresh for each request from the instance record, so a
 * change to the instance (or its role) shows at once. Directories list their entries one a
 * line, subdirectories with a trailing `/`.
 */
import { createHash } from 'node:crypto'
import { cidrText, parseCidr, type SubnetRecord, type VpcRecord } from './network.js'
import { identityDocument, imdsJson, type InstanceRecord } from './instance.js'
import { isoSeconds } from '../time.js'
import type { RoleCredentials } from './instance-credentials.js'

/** A leaf is text; a function is computed when its path is read (undefined: not there). */
export type MetadataNode = string | MetadataDirectory | (() => MetadataNode | undefined)
export interface MetadataDirectory { [name: string]: MetadataNode | undefined }

export interface TreeSources {
  instance: InstanceRecord
  vpc?: VpcRecord
  subnet?: SubnetRecord
  /** Asked only when an `iam/` path is read. */
  credentials: () => RoleCredentials
}

export function metadataRoot (s: TreeSources): MetadataDirectory {
  const latest: MetadataDirectory = {
    dynamic: dynamic(s.instance),
    'meta-data': metaData(s),
    'user-data': s.instance.userData
  }
  // (unconfirmed) which dated versions IMDS lists; each is served as `latest` here.
  const root: MetadataDirectory = {}
  for (const v of ['1.0', '2007-01-19', '2009-04-04', '2016-09-02', '2021-07-15', '2024-04-11']) {
    root[v] = latest
  }
  root.latest = latest
  return root
}

function dynamic (i: InstanceRecord): MetadataDirectory {
  const document = imdsJson(identityDocument(i))
  return {
    'instance-identity': {
      document,
      // (unconfirmed) not verifiable: AWS signs with its regional keys; these are stand-ins
      // of the right form (base64, 64 characters a line) derived from the document.
      pkcs7: envelope('pkcs7', document, 128),
      rsa2048: envelope('rsa2048', document, 256),
      signature: base64Lines(digest('signature', document, 128))
    }
  }
}

function metaData (s: TreeSources): MetadataDirectory {
  const i = s.instance
  return {
    'ami-id': i.imageId,
    'ami-launch-index': String(i.amiLaunchIndex),
    'ami-manifest-path': '(unknown)',
    'block-device-mapping': { ami: '/dev/xvda', root: '/dev/xvda' },
    hostname: i.privateDnsName,
    iam: i.iamInstanceProfile === undefined ? undefined : iam(s),
    'instance-action': 'none',
    'instance-id': i.instanceId,
    'instance-life-cycle': 'on-demand',
    'instance-type': i.instanceType,
    'local-hostname': i.privateDnsName,
    'local-ipv4': i.privateIpAddress,
    mac: i.macAddress,
    network: { interfaces: { macs: { [i.macAddress]: networkInterface(s) } } },
    placement: {
      'availability-zone': i.availabilityZone,
      'availability-zone-id': i.availabilityZoneId,
      region: i.region
    },
    'reservation-id': i.reservationId,
    'security-groups': i.securityGroups.map(g => g.groupName).join('\n'),
    services: { domain: 'amazonaws.com', partition: 'aws' }
  }
}

function networkInterface ({ instance: i, vpc, subnet }: TreeSources): MetadataDirectory {
  const vpcCidr = vpc?.cidrBlock
  return {
    'device-number': '0',
    'interface-id': i.networkInterfaceId,
    'local-hostname': i.privateDnsName,
    'local-ipv4s': i.privateIpAddress,
    mac: i.macAddress,
    'owner-id': i.account,
    'security-group-ids': i.securityGroups.map(g => g.groupId).join('\n'),
    'security-groups': i.securityGroups.map(g => g.groupName).join('\n'),
    'subnet-id': i.subnetId,
    'subnet-ipv4-cidr-block': subnet === undefined ? undefined : normalized(subnet.cidrBlock),
    'vpc-id': i.vpcId,
    'vpc-ipv4-cidr-block': vpcCidr === undefined ? undefined : normalized(vpcCidr),
    'vpc-ipv4-cidr-blocks': vpcCidr === undefined ? undefined : normalized(vpcCidr)
  }
}

/**
 * `iam/info` and `iam/security-credentials/ROLE`. When EC2 cannot assume the role both answer
 * `AssumeRoleUnauthorizedAccess` (unconfirmed: the wording, and that the role is still
 * listed; the project reference has the listing empty). A profile without a role lists none.
 */
function iam (s: TreeSources): MetadataDirectory {
  const profile = s.instance.iamInstanceProfile!
  const info = (): string => {
    const c = s.credentials()
    if (c.kind === 'denied') return imdsJson(unauthorized(c.roleName, c.at))
    return imdsJson({
      Code: 'Success',
      LastUpdated: isoSeconds(c.kind === 'ok' ? c.issued : c.at),
      InstanceProfileArn: profile.arn,
      InstanceProfileId: profile.id
    })
  }
  const credentials = (): MetadataDirectory => {
    const c = s.credentials()
    if (c.kind === 'none') return {}
    if (c.kind === 'denied') return { [c.roleName]: imdsJson(unauthorized(c.roleName, c.at)) }
    return {
      [c.roleName]: imdsJson({
        Code: 'Success',
        LastUpdated: isoSeconds(c.issued),
        Type: 'AWS-HMAC',
        AccessKeyId: c.session.accessKeyId,
        SecretAccessKey: c.session.secretAccessKey,
        Token: c.session.sessionToken,
        Expiration: isoSeconds(new Date(c.session.expiration * 1000))
      })
    }
  }
  return { info, 'security-credentials': credentials }
}

function unauthorized (roleName: string, at: Date): Record<string, unknown> {
  return {
    Code: 'AssumeRoleUnauthorizedAccess',
    Message: `EC2 cannot assume the role ${roleName}.  Please see documentation at http://docs.amazonwebservices.com/IAM/latest/UserGuide/RolesTroubleshooting.html.`,
    LastUpdated: isoSeconds(at)
  }
}

const normalized = (cidr: string): string => {
  const c = parseCidr(cidr)
  return c === undefined ? cidr : cidrText(c)
}

function digest (label: string, text: string, bytes: number): Buffer {
  const out: Buffer[] = []
  for (let n = 0; out.length * 64 < bytes; n++) {
    out.push(createHash('sha512').update(`${label}/${n}/${text}`).digest())
  }
  return Buffer.concat(out).subarray(0, bytes)
}

/** A stand-in for a signed envelope: the document and a signature-sized digest, base64. */
const envelope = (label: string, document: string, bytes: number): string =>
  base64Lines(Buffer.concat([Buffer.from(document), digest(label, document, bytes)]))

const base64Lines = (b: Buffer): string => b.toString('base64').replace(/(.{64})(?=.)/g, '$1\n')

// --- lookup -------------------------------------------------------------------------------

export type Lookup =
  | { kind: 'text', body: string }
  | { kind: 'listing', body: string }
  | { kind: 'missing' }

/** The node at `path` (`/latest/meta-data/instance-id`); a directory answers its listing. */
export function lookup (root: MetadataDirectory, path: string): Lookup {
  const parts = path.split('/').filter(p => p !== '')
  let node = resolve(root)
  for (const part of parts) {
    if (node === undefined || typeof node !== 'object') return { kind: 'missing' }
    node = resolve(Object.prototype.hasOwnProperty.call(node, part) ? node[part] : undefined)
  }
  if (node === undefined) return { kind: 'missing' }
  if (typeof node === 'string') return { kind: 'text', body: node }
  // The versions and the three trees under each are listed without a trailing `/`.
  return { kind: 'listing', body: listing(node, parts.length >= 2) }
}

type Resolved = string | MetadataDirectory | undefined

const resolve = (node: MetadataNode | undefined): Resolved =>
  typeof node === 'function' ? resolve(node()) : node

function listing (dir: MetadataDirectory, slashes: boolean): string {
  const out: string[] = []
  for (const [k, v] of Object.entries(dir)) {
    const node = resolve(v)
    if (node === undefined) continue
    out.push(slashes && typeof node === 'object' ? `${k}/` : k)
  }
  return out.join('\n')
}
