import { beforeAll, describe, expect, it } from 'vitest'
import {
  CreateClusterCommand, DeleteClusterCommand, DeregisterContainerInstanceCommand,
  DescribeCapacityProvidersCommand, DescribeClustersCommand, ListClustersCommand,
  PutAccountSettingDefaultCommand, PutClusterCapacityProvidersCommand,
  RegisterContainerInstanceCommand, UpdateClusterCommand, UpdateClusterSettingsCommand
} from '@aws-sdk/client-ecs'
import { useEmulator } from '../support/emulator.js'
import { ACCOUNT, clusterArn, failure } from '../support/fixtures.js'

const t = useEmulator()

async function registerInstance (cluster: string): Promise<string> {
  const out = await t.ecs.send(new RegisterContainerInstanceCommand({
    cluster,
    instanceIdentityDocument: JSON.stringify({ instanceId: 'i-0123456789abcdef0', region: 'us-east-1' }),
    totalResources: [{ name: 'CPU', type: 'INTEGER', integerValue: 1024 }]
  }))
  return out.containerInstance!.containerInstanceArn!
}

describe('CreateCluster', () => {
  it('creates the default cluster when no name is given', async () => {
    const { cluster } = await t.ecs.send(new CreateClusterCommand({}))
    expect(cluster).toEqual({
      clusterArn: clusterArn('default'),
      clusterName: 'default',
      status: 'ACTIVE',
      registeredContainerInstancesCount: 0,
      runningTasksCount: 0,
      pendingTasksCount: 0,
      activeServicesCount: 0,
      statistics: [],
      tags: [],
      settings: [{ name: 'containerInsights', value: 'disabled' }],
      capacityProviders: [],
      defaultCapacityProviderStrategy: []
    })
  })

  it('keeps tags, settings, configuration and capacity providers', async () => {
    const { cluster } = await t.ecs.send(new CreateClusterCommand({
      clusterName: 'full',
      tags: [{ key: 'team', value: 'web' }, { key: 'env', value: 'prod' }],
      settings: [{ name: 'containerInsights', value: 'enhanced' }],
      configuration: { executeCommandConfiguration: { logging: 'DEFAULT' } },
      capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
      defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1, base: 1 }, { capacityProvider: 'FARGATE_SPOT', weight: 3 }],
      serviceConnectDefaults: { namespace: 'internal' }
    }))
    expect(cluster).toMatchObject({
      clusterName: 'full',
      tags: [{ key: 'team', value: 'web' }, { key: 'env', value: 'prod' }],
      settings: [{ name: 'containerInsights', value: 'enhanced' }],
      configuration: { executeCommandConfiguration: { logging: 'DEFAULT' } },
      capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
      defaultCapacityProviderStrategy: [
        { capacityProvider: 'FARGATE', weight: 1, base: 1 },
        { capacityProvider: 'FARGATE_SPOT', weight: 3, base: 0 }
      ]
    })
    expect(cluster!.serviceConnectDefaults!.namespace).toMatch(/^arn:aws:servicediscovery:us-east-1:000000000000:namespace\/ns-[0-9a-f]{16}$/)
  })

  it('returns the existing ACTIVE cluster unchanged when called again', async () => {
    await t.ecs.send(new CreateClusterCommand({ clusterName: 'twice', tags: [{ key: 'a', value: '1' }] }))
    const { cluster } = await t.ecs.send(new CreateClusterCommand({
      clusterName: 'twice', tags: [{ key: 'b', value: '2' }], settings: [{ name: 'containerInsights', value: 'enabled' }]
    }))
    expect(cluster).toMatchObject({ status: 'ACTIVE', tags: [{ key: 'a', value: '1' }], settings: [{ name: 'containerInsights', value: 'disabled' }] })
  })

  it('authorizes tagging on create as ecs:TagResource with ecs:CreateAction', async () => {
    await t.ecs.send(new CreateClusterCommand({ clusterName: 'tagged-on-create', tags: [{ key: 'k', value: 'v' }] }))
    const [record] = t.emu.emulator.decisions.query({ action: 'ecs:TagResource', limit: 1 })
    expect(record).toMatchObject({
      resource: clusterArn('tagged-on-create'),
      context: { 'ecs:CreateAction': 'CreateCluster', 'aws:RequestTag/k': 'v', 'aws:TagKeys': ['k'] }
    })
  })

  it('takes containerInsights from the account default when no setting is given', async () => {
    const other = t.emu.clients(undefined, 'ap-south-1').ecs
    await other.send(new PutAccountSettingDefaultCommand({ name: 'containerInsights', value: 'enabled' }))
    const { cluster } = await other.send(new CreateClusterCommand({ clusterName: 'insights' }))
    expect(cluster!.settings).toEqual([{ name: 'containerInsights', value: 'enabled' }])
  })

  it('starts afresh, without the old tags, after a cluster of the same name was deleted', async () => {
    await t.ecs.send(new CreateClusterCommand({ clusterName: 'reborn', tags: [{ key: 'old', value: 'yes' }] }))
    await t.ecs.send(new DeleteClusterCommand({ cluster: 'reborn' }))
    const { cluster } = await t.ecs.send(new CreateClusterCommand({ clusterName: 'reborn' }))
    expect(cluster).toMatchObject({ status: 'ACTIVE', tags: [] })
  })

  it('fails with InvalidParameterException for a name with a space', async () => {
    const e = await failure(t.ecs.send(new CreateClusterCommand({ clusterName: 'my cluster' })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe('Cluster must match ^[a-zA-Z0-9\\-_]{1,255}$, but was my cluster')
  })

  it('fails with InvalidParameterException for an unknown capacity provider', async () => {
    const e = await failure(t.ecs.send(new CreateClusterCommand({ clusterName: 'cp', capacityProviders: ['MyProvider'] })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe("The specified capacity provider 'MyProvider' does not exist. Specify a valid capacity provider and try again.")
  })

  it('fails with InvalidParameterException for a strategy naming a provider the cluster does not have', async () => {
    const e = await failure(t.ecs.send(new CreateClusterCommand({
      clusterName: 'cp', capacityProviders: ['FARGATE'], defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }]
    })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe('The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.')
  })

  it('fails with InvalidParameterException for an unknown containerInsights value', async () => {
    const e = await failure(t.ecs.send(new CreateClusterCommand({ clusterName: 'ci', settings: [{ name: 'containerInsights', value: 'on' }] })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe("Invalid value 'on' for cluster setting 'containerInsights'. Valid values are enabled, disabled and enhanced.")
  })
})

describe('DescribeClusters', () => {
  beforeAll(async () => {
    await t.ecs.send(new CreateClusterCommand({
      clusterName: 'described',
      tags: [{ key: 'team', value: 'web' }],
      configuration: { executeCommandConfiguration: { logging: 'NONE' } }
    }))
  })

  it('describes the default cluster when none is named', async () => {
    const out = await t.ecs.send(new DescribeClustersCommand({}))
    expect(out.clusters!.map(c => c.clusterName)).toEqual(['default'])
    expect(out.failures).toEqual([])
  })

  it('leaves tags, settings and statistics empty, and configuration out, without include', async () => {
    const { clusters } = await t.ecs.send(new DescribeClustersCommand({ clusters: ['described'] }))
    expect(clusters![0]).toEqual({
      clusterArn: clusterArn('described'),
      clusterName: 'described',
      status: 'ACTIVE',
      registeredContainerInstancesCount: 0,
      runningTasksCount: 0,
      pendingTasksCount: 0,
      activeServicesCount: 0,
      statistics: [],
      tags: [],
      settings: [],
      capacityProviders: [],
      defaultCapacityProviderStrategy: []
    })
  })

  it('adds what include asks for', async () => {
    const { clusters } = await t.ecs.send(new DescribeClustersCommand({
      clusters: [clusterArn('described')], include: ['TAGS', 'SETTINGS', 'CONFIGURATIONS', 'STATISTICS', 'ATTACHMENTS']
    }))
    expect(clusters![0]).toMatchObject({
      tags: [{ key: 'team', value: 'web' }],
      settings: [{ name: 'containerInsights', value: 'disabled' }],
      configuration: { executeCommandConfiguration: { logging: 'NONE' } },
      attachments: []
    })
    expect(clusters![0].statistics).toContainEqual({ name: 'runningFargateTasksCount', value: '0' })
    expect(clusters![0].statistics).toHaveLength(8)
  })

  it('answers MISSING failures for unknown names and ARNs', async () => {
    const out = await t.ecs.send(new DescribeClustersCommand({ clusters: ['described', 'nope', clusterArn('gone')] }))
    expect(out.clusters!.map(c => c.clusterName)).toEqual(['described'])
    expect(out.failures).toEqual([{ arn: clusterArn('nope'), reason: 'MISSING' }, { arn: clusterArn('gone'), reason: 'MISSING' }])
  })

  it('counts registered container instances', async () => {
    await t.ecs.send(new CreateClusterCommand({ clusterName: 'counted' }))
    await registerInstance('counted')
    const { clusters } = await t.ecs.send(new DescribeClustersCommand({ clusters: ['counted'] }))
    expect(clusters![0].registeredContainerInstancesCount).toBe(1)
  })

  it('fails with InvalidParameterException for more than 100 clusters', async () => {
    const e = await failure(t.ecs.send(new DescribeClustersCommand({ clusters: Array.from({ length: 101 }, (_, i) => `c${i}`) })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe('clusters can have at most 100 items')
  })
})

describe('ListClusters', () => {
  it('pages through ACTIVE clusters in creation order', async () => {
    const region = t.emu.clients(undefined, 'ca-central-1').ecs
    for (const name of ['a', 'b', 'c']) await region.send(new CreateClusterCommand({ clusterName: name }))
    await region.send(new DeleteClusterCommand({ cluster: 'b' }))
    await region.send(new CreateClusterCommand({ clusterName: 'd' }))

    const first = await region.send(new ListClustersCommand({ maxResults: 2 }))
    expect(first.clusterArns).toEqual([clusterArn('a', 'ca-central-1'), clusterArn('c', 'ca-central-1')])
    const second = await region.send(new ListClustersCommand({ maxResults: 2, nextToken: first.nextToken }))
    expect(second).toMatchObject({ clusterArns: [clusterArn('d', 'ca-central-1')] })
    expect(second.nextToken).toBeUndefined()
  })

  it('fails with InvalidParameterException for maxResults over 100', async () => {
    const e = await failure(t.ecs.send(new ListClustersCommand({ maxResults: 101 })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe('maxResults must be between 1 and 100')
  })

  it('fails with InvalidParameterException for a nextToken it did not hand out', async () => {
    const e = await failure(t.ecs.send(new ListClustersCommand({ nextToken: 'garbage' })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe('Invalid nextToken')
  })
})

describe('DeleteCluster', () => {
  it('leaves the cluster INACTIVE and still describable', async () => {
    await t.ecs.send(new CreateClusterCommand({ clusterName: 'doomed', tags: [{ key: 'k', value: 'v' }] }))
    const { cluster } = await t.ecs.send(new DeleteClusterCommand({ cluster: clusterArn('doomed') }))
    expect(cluster).toMatchObject({ clusterName: 'doomed', status: 'INACTIVE' })

    const { clusters } = await t.ecs.send(new DescribeClustersCommand({ clusters: ['doomed'], include: ['TAGS'] }))
    expect(clusters![0]).toMatchObject({ status: 'INACTIVE', tags: [{ key: 'k', value: 'v' }] })
    const { clusterArns } = await t.ecs.send(new ListClustersCommand({}))
    expect(clusterArns).not.toContain(clusterArn('doomed'))
  })

  it('fails with ClusterContainsContainerInstancesException while an instance is registered', async () => {
    await t.ecs.send(new CreateClusterCommand({ clusterName: 'occupied' }))
    const instance = await registerInstance('occupied')

    const e = await failure(t.ecs.send(new DeleteClusterCommand({ cluster: 'occupied' })))
    expect(e.name).toBe('ClusterContainsContainerInstancesException')
    expect(e.message).toBe('The Cluster cannot be deleted while Container Instances are active or draining.')

    await t.ecs.send(new DeregisterContainerInstanceCommand({ cluster: 'occupied', containerInstance: instance }))
    const { cluster } = await t.ecs.send(new DeleteClusterCommand({ cluster: 'occupied' }))
    expect(cluster!.status).toBe('INACTIVE')
  })

  it('fails with ClusterNotFoundException when the cluster is missing', async () => {
    const e = await failure(t.ecs.send(new DeleteClusterCommand({ cluster: 'never-was' })))
    expect(e.name).toBe('ClusterNotFoundException')
    expect(e.message).toBe('Cluster not found.')
  })

  it('fails with ClusterNotFoundException when the cluster is already INACTIVE', async () => {
    await t.ecs.send(new CreateClusterCommand({ clusterName: 'twice-deleted' }))
    await t.ecs.send(new DeleteClusterCommand({ cluster: 'twice-deleted' }))
    const e = await failure(t.ecs.send(new DeleteClusterCommand({ cluster: 'twice-deleted' })))
    expect(e.name).toBe('ClusterNotFoundException')
  })
})

describe('UpdateCluster', () => {
  it('merges settings and replaces configuration', async () => {
    await t.ecs.send(new CreateClusterCommand({ clusterName: 'updated' }))
    const { cluster } = await t.ecs.send(new UpdateClusterCommand({
      cluster: 'updated',
      settings: [{ name: 'containerInsights', value: 'enabled' }],
      configuration: { executeCommandConfiguration: { logging: 'OVERRIDE', logConfiguration: { cloudWatchLogGroupName: '/exec' } } }
    }))
    expect(cluster).toMatchObject({
      settings: [{ name: 'containerInsights', value: 'enabled' }],
      configuration: { executeCommandConfiguration: { logging: 'OVERRIDE', logConfiguration: { cloudWatchLogGroupName: '/exec' } } }
    })
  })

  it('removes Service Connect defaults for an empty namespace', async () => {
    await t.ecs.send(new CreateClusterCommand({ clusterName: 'sc', serviceConnectDefaults: { namespace: 'ns' } }))
    const { cluster } = await t.ecs.send(new UpdateClusterCommand({ cluster: 'sc', serviceConnectDefaults: { namespace: '' } }))
    expect(cluster!.serviceConnectDefaults).toBeUndefined()
  })

  it('fails with ClusterNotFoundException when the cluster is missing', async () => {
    const e = await failure(t.ecs.send(new UpdateClusterCommand({ cluster: 'missing', settings: [] })))
    expect(e.name).toBe('ClusterNotFoundException')
    expect(e.message).toBe('Cluster not found.')
  })
})

describe('UpdateClusterSettings', () => {
  it('changes containerInsights', async () => {
    await t.ecs.send(new CreateClusterCommand({ clusterName: 'settings' }))
    const { cluster } = await t.ecs.send(new UpdateClusterSettingsCommand({
      cluster: 'settings', settings: [{ name: 'containerInsights', value: 'enhanced' }]
    }))
    expect(cluster!.settings).toEqual([{ name: 'containerInsights', value: 'enhanced' }])
  })

  it('fails with ClusterNotFoundException when the cluster is missing', async () => {
    const e = await failure(t.ecs.send(new UpdateClusterSettingsCommand({ cluster: 'missing', settings: [] })))
    expect(e.name).toBe('ClusterNotFoundException')
  })
})

describe('PutClusterCapacityProviders', () => {
  it('replaces the providers and the default strategy, and clears them with empty lists', async () => {
    await t.ecs.send(new CreateClusterCommand({ clusterName: 'providers' }))
    const { cluster } = await t.ecs.send(new PutClusterCapacityProvidersCommand({
      cluster: 'providers', capacityProviders: ['FARGATE_SPOT'], defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 2 }]
    }))
    expect(cluster).toMatchObject({
      capacityProviders: ['FARGATE_SPOT'],
      defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 2, base: 0 }]
    })
    const cleared = await t.ecs.send(new PutClusterCapacityProvidersCommand({
      cluster: 'providers', capacityProviders: [], defaultCapacityProviderStrategy: []
    }))
    expect(cleared.cluster).toMatchObject({ capacityProviders: [], defaultCapacityProviderStrategy: [] })
  })

  it('fails with InvalidParameterException for two providers with a base', async () => {
    const e = await failure(t.ecs.send(new PutClusterCapacityProvidersCommand({
      cluster: 'providers',
      capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
      defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', base: 1 }, { capacityProvider: 'FARGATE_SPOT', base: 1 }]
    })))
    expect(e.name).toBe('InvalidParameterException')
    expect(e.message).toBe('The specified capacity provider strategy cannot contain more than one capacity provider with a base value greater than zero. Specify a valid capacity provider strategy and try again.')
  })

  it('fails with ClusterNotFoundException when the cluster is missing', async () => {
    const e = await failure(t.ecs.send(new PutClusterCapacityProvidersCommand({
      cluster: 'missing', capacityProviders: [], defaultCapacityProviderStrategy: []
    })))
    expect(e.name).toBe('ClusterNotFoundException')
  })
})

describe('DescribeCapacityProviders', () => {
  it('lists FARGATE and FARGATE_SPOT, ACTIVE and without an Auto Scaling group', async () => {
    const out = await t.ecs.send(new DescribeCapacityProvidersCommand({}))
    expect(out.capacityProviders).toEqual([
      { capacityProviderArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:capacity-provider/FARGATE`, name: 'FARGATE', status: 'ACTIVE', type: 'FARGATE', tags: [] },
      { capacityProviderArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:capacity-provider/FARGATE_SPOT`, name: 'FARGATE_SPOT', status: 'ACTIVE', type: 'FARGATE_SPOT', tags: [] }
    ])
    expect(out.failures).toEqual([])
  })

  it('answers MISSING failures for providers that do not exist', async () => {
    const out = await t.ecs.send(new DescribeCapacityProvidersCommand({
      capacityProviders: [`arn:aws:ecs:us-east-1:${ACCOUNT}:capacity-provider/FARGATE`, 'MyProvider']
    }))
    expect(out.capacityProviders!.map(p => p.name)).toEqual(['FARGATE'])
    expect(out.failures).toEqual([{ arn: `arn:aws:ecs:us-east-1:${ACCOUNT}:capacity-provider/MyProvider`, reason: 'MISSING' }])
  })

  it('fails with ClusterNotFoundException for an unknown cluster', async () => {
    const e = await failure(t.ecs.send(new DescribeCapacityProvidersCommand({ cluster: 'missing' })))
    expect(e.name).toBe('ClusterNotFoundException')
  })
})

describe('cluster isolation', () => {
  it('shows nothing of another account through its ARNs', async () => {
    await t.ecs.send(new CreateClusterCommand({ clusterName: 'mine' }))
    const foreign = 'arn:aws:ecs:us-east-1:111111111111:cluster/mine'
    const out = await t.ecs.send(new DescribeClustersCommand({ clusters: [foreign] }))
    expect(out).toMatchObject({ clusters: [], failures: [{ arn: foreign, reason: 'MISSING' }] })
    const e = await failure(t.ecs.send(new DeleteClusterCommand({ cluster: foreign })))
    expect(e.name).toBe('ClusterNotFoundException')
  })

  it('keeps a cluster created in us-east-1 out of eu-west-1', async () => {
    await t.ecs.send(new CreateClusterCommand({ clusterName: 'east-only' }))
    const west = t.emu.clients(undefined, 'eu-west-1').ecs

    const { clusterArns } = await west.send(new ListClustersCommand({}))
    expect(clusterArns).not.toContain(clusterArn('east-only'))
    const out = await west.send(new DescribeClustersCommand({ clusters: ['east-only', clusterArn('east-only')] }))
    expect(out.clusters).toEqual([])
    expect(out.failures).toEqual([
      { arn: clusterArn('east-only', 'eu-west-1'), reason: 'MISSING' },
      { arn: clusterArn('east-only'), reason: 'MISSING' }
    ])
  })
})
