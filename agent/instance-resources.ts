/**
 * What an instance's agent left on the Docker engine, removed: every container and network
 * labelled with its instance id. For an instance that is gone (TerminateInstances, a reset), as
 * the tasks of a terminated EC2 instance end with it.
 */
import type Docker from 'dockerode'
import { INSTANCE_LABEL } from './host-network.js'
import type { Logger } from './log.js'

export async function removeInstanceResources (docker: Docker, instanceId: string,
  log: Logger): Promise<void> {
  const filters = JSON.stringify({ label: [`${INSTANCE_LABEL}=${instanceId}`] })
  try {
    const containers = await docker.listContainers({ all: true, filters })
    await Promise.all(containers.map(c => docker.getContainer(c.Id).remove({ force: true, v: true })))
    const networks = await docker.listNetworks({ filters })
    await Promise.all(networks.map(n => docker.getNetwork(n.Id).remove()))
    if (containers.length + networks.length > 0) {
      log.info({ instanceId, containers: containers.length, networks: networks.length },
        'removed the instance\'s containers and networks')
    }
  } catch (e) {
    log.warn({ instanceId, err: (e as Error).message }, 'could not remove the instance\'s containers')
  }
}
