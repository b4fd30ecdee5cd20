/**
 * `POST /_emulator/instances`: an agent asks for (or gets back) the emulated EC2 instance it runs
 * on, and the address of that instance's metadata service. Unauthenticated: calling it stands
 * for being on the instance. The instance is launched in the emulator's default account and
 * region, as RunInstances would launch it there (default subnet of the first zone).
 */
import type { FastifyInstance } from 'fastify'
import type { Emulator } from '../../src/emulator.js'
import { launchInstance } from '../../src/ec2/launch.js'
import { clusterUserData, type InstanceRecord } from '../../src/ec2/instance.js'
import { defaultSubnet, groupOf } from '../../src/ec2/network.js'
import { ec2Errors, invalidProfileName } from '../../src/ec2/errors.js'

export interface InstanceRequest {
  instanceProfile?: string
  cluster?: string
  instanceId?: string
  userData?: string
}

export interface InstanceAnswer {
  instanceId: string
  imdsEndpoint: string
  region: string
  availabilityZone: string
  /** The state's generation (GET /_emulator/health has it too): a reset makes a new one. */
  generation: string
}

const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/

export function registerInstanceRoutes (app: FastifyInstance, emulator: Emulator): void {
  app.post('/_emulator/instances', async (req, reply) => {
    const body = parseBody(req.body)
    if (typeof body === 'string') {
      return reply.code(400).send({ error: 'InvalidRequest', message: body })
    }
    const found = existing(emulator, body.instanceId)
    if (found !== undefined) return answer(emulator, found)

    const scope = { account: emulator.config.accountId, region: emulator.config.region }
    const profile = body.instanceProfile === undefined
      ? undefined
      : emulator.iam.instanceProfile(scope.account, body.instanceProfile)
    if (body.instanceProfile !== undefined && profile === undefined) {
      const e = invalidProfileName(body.instanceProfile)
      return reply.code(400).send({ error: e.code, message: e.message })
    }
    const subnet = defaultSubnet(emulator.ec2.store, scope)
    if (subnet === undefined) {
      const e = ec2Errors.noDefaultVpc()
      return reply.code(400).send({ error: e.code, message: e.message })
    }
    const group = groupOf(emulator.ec2.store, scope, subnet.vpcId, 'default')
    const userData = body.userData ??
      (body.cluster === undefined ? undefined : clusterUserData(body.cluster))
    // An id the control plane does not know (its state was reset) is taken again, so the
    // agent's containers, labelled with it, still belong to its instance.
    const reuse = body.instanceId !== undefined && INSTANCE_ID.test(body.instanceId) &&
      emulator.ec2.store.instanceById(body.instanceId) === undefined
    const instance = launchInstance(emulator, scope, {
      subnet, groups: group === undefined ? [] : [group], profile, userData,
      instanceId: reuse ? body.instanceId : undefined
    }, new Date())
    emulator.log.info({ instanceId: instance.instanceId, cluster: instance.cluster },
      'instance launched for an agent')
    return answer(emulator, instance)
  })
}

function parseBody (raw: unknown): InstanceRequest | string {
  let body: unknown = raw ?? {}
  if (Buffer.isBuffer(raw)) {
    try {
      body = raw.length === 0 ? {} : JSON.parse(raw.toString('utf8'))
    } catch {
      return 'The body is not valid JSON.'
    }
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return 'The body must be a JSON object.'
  }
  const b = body as Record<string, unknown>
  for (const k of ['instanceProfile', 'cluster', 'instanceId', 'userData']) {
    if (b[k] !== undefined && typeof b[k] !== 'string') return `${k} must be a string.`
  }
  return b as InstanceRequest
}

function existing (emulator: Emulator, instanceId: string | undefined): InstanceRecord | undefined {
  if (instanceId === undefined) return undefined
  const instance = emulator.ec2.store.instanceById(instanceId)
  return instance?.state === 'running' ? instance : undefined
}

async function answer (emulator: Emulator, instance: InstanceRecord): Promise<InstanceAnswer> {
  return {
    instanceId: instance.instanceId,
    imdsEndpoint: await emulator.ec2.metadata.open(instance.instanceId),
    region: instance.region,
    availabilityZone: instance.availabilityZone,
    generation: emulator.generation.current()
  }
}
