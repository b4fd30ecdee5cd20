import { describe, expect, it } from 'vitest'
import { useEmulator } from '../support/emulator.js'
import { CLIS, cliTitle, aws } from '../support/cli.js'
import { ACCOUNT } from '../support/fixtures.js'

const t = useEmulator()

const identity = JSON.stringify({
  instanceId: 'i-0744a608689e00001',
  region: 'us-east-1',
  availabilityZone: 'us-east-1b',
  instanceType: 'c5.large',
  accountId: ACCOUNT,
  imageId: 'ami-0abcdef1234567890'
})

describe.skipIf(CLIS.length === 0)(cliTitle('aws ecs (CLI): clusters, instances, settings, tags'), () => {
  for (const cli of CLIS) {
    const name = `cli-v${cli.version}`
    const clusterArn = `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/${name}`
    const ecs = async (...args: string[]) => await aws(cli, t.emu.url, ['ecs', ...args])
    let instanceArn = ''

    it(`create-cluster with tags (CLI v${cli.version})`, async () => {
      const r = await ecs('create-cluster', '--cluster-name', name, '--tags', 'key=team,value=web')
      expect(r.stderr).toBe('')
      expect(r.json.cluster).toMatchObject({ clusterArn, clusterName: name, status: 'ACTIVE', tags: [{ key: 'team', value: 'web' }] })
    })

    it(`describe-clusters --include TAGS (CLI v${cli.version})`, async () => {
      const r = await ecs('describe-clusters', '--clusters', name, 'missing', '--include', 'TAGS')
      expect(r.stderr).toBe('')
      expect(r.json.clusters[0]).toMatchObject({ clusterName: name, tags: [{ key: 'team', value: 'web' }] })
      expect(r.json.failures).toEqual([{ arn: `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/missing`, reason: 'MISSING' }])
    })

    it(`list-clusters (CLI v${cli.version})`, async () => {
      const r = await ecs('list-clusters')
      expect(r.json.clusterArns).toContain(clusterArn)
    })

    it(`put-account-setting (CLI v${cli.version})`, async () => {
      const r = await ecs('put-account-setting', '--name', 'containerInsights', '--value', 'enhanced')
      expect(r.stderr).toBe('')
      // An older CLI model drops the `type` member, which it does not know.
      expect(r.json.setting).toMatchObject({ name: 'containerInsights', value: 'enhanced', principalArn: `arn:aws:iam::${ACCOUNT}:root` })
    })

    it(`register-container-instance with --instance-identity-document (CLI v${cli.version})`, async () => {
      const r = await ecs('register-container-instance', '--cluster', name, '--instance-identity-document', identity,
        '--total-resources', 'name=CPU,type=INTEGER,integerValue=2048', 'name=MEMORY,type=INTEGER,integerValue=3768',
        '--attributes', 'name=stack,value=prod')
      expect(r.stderr).toBe('')
      instanceArn = r.json.containerInstance.containerInstanceArn
      expect(instanceArn).toMatch(new RegExp(`^arn:aws:ecs:us-east-1:${ACCOUNT}:container-instance/${name}/[0-9a-f]{32}$`))
      expect(r.json.containerInstance).toMatchObject({ ec2InstanceId: 'i-0744a608689e00001', status: 'ACTIVE', agentConnected: false })
      expect(r.json.containerInstance.attributes).toContainEqual({ name: 'ecs.instance-type', value: 'c5.large' })
    })

    it(`list-container-instances --filter (CLI v${cli.version})`, async () => {
      const hit = await ecs('list-container-instances', '--cluster', name, '--filter', 'attribute:ecs.instance-type == c5.large and attribute:stack == prod')
      expect(hit.json.containerInstanceArns).toEqual([instanceArn])
      const miss = await ecs('list-container-instances', '--cluster', name, '--filter', 'attribute:ecs.availability-zone in [us-east-1a]')
      expect(miss.json.containerInstanceArns).toEqual([])
    })

    it(`tag-resource and list-tags-for-resource (CLI v${cli.version})`, async () => {
      const tagged = await ecs('tag-resource', '--resource-arn', instanceArn, '--tags', 'key=rack,value=r7')
      expect(tagged.status).toBe(0)
      const r = await ecs('list-tags-for-resource', '--resource-arn', instanceArn)
      expect(r.json.tags).toEqual([{ key: 'rack', value: 'r7' }])
    })

    it(`delete-cluster refuses while an instance is registered, then deletes (CLI v${cli.version})`, async () => {
      const refused = await ecs('delete-cluster', '--cluster', name)
      expect(refused.status).not.toBe(0)
      expect(refused.stderr).toContain('An error occurred (ClusterContainsContainerInstancesException) when calling the DeleteCluster operation: The Cluster cannot be deleted while Container Instances are active or draining.')

      await ecs('deregister-container-instance', '--cluster', name, '--container-instance', instanceArn)
      const r = await ecs('delete-cluster', '--cluster', name)
      expect(r.stderr).toBe('')
      expect(r.json.cluster).toMatchObject({ clusterArn, status: 'INACTIVE' })
    })

    it(`describe-container-instances answers ClusterNotFoundException for a missing cluster (CLI v${cli.version})`, async () => {
      const r = await ecs('describe-container-instances', '--cluster', 'nowhere', '--container-instances', 'abc')
      expect(r.status).not.toBe(0)
      expect(r.stderr).toContain('An error occurred (ClusterNotFoundException) when calling the DescribeContainerInstances operation: Cluster not found.')
    })
  }
})

