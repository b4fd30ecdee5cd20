import { describe, expect, it } from 'vitest'
import { useEmulator } from '../support/emulator.js'
import { CLIS, aws, cliTitle } from '../support/cli.js'
import { ecsOptimizedAmi } from '../../src/ssm/parameter.js'

const t = useEmulator()

describe(cliTitle('AWS CLI: EC2'), () => {
  for (const cli of CLIS) {
    it(`describes the default VPC and its subnets (CLI v${cli.version})`, async () => {
      const vpcs = await aws(cli, t.emu.url, ['ec2', 'describe-vpcs', '--filters', 'Name=isDefault,Values=true'])
      expect(vpcs.status, vpcs.stderr).toBe(0)
      expect(vpcs.json.Vpcs).toHaveLength(1)
      expect(vpcs.json.Vpcs[0]).toMatchObject({ CidrBlock: '172.31.0.0/16', IsDefault: true, State: 'available' })
      const subnets = await aws(cli, t.emu.url, ['ec2', 'describe-subnets', '--filters', `Name=vpc-id,Values=${vpcs.json.Vpcs[0].VpcId}`])
      expect(subnets.status, subnets.stderr).toBe(0)
      expect(subnets.json.Subnets[0]).toMatchObject({ AvailabilityZone: 'us-east-1a', DefaultForAz: true, CidrBlock: '172.31.0.0/20' })
    })

    it(`creates a group, opens a port, launches and terminates an instance (CLI v${cli.version})`, async () => {
      const sg = await aws(cli, t.emu.url, ['ec2', 'create-security-group', '--group-name', `cli-v${cli.version}`, '--description', 'cli'])
      expect(sg.status, sg.stderr).toBe(0)
      const open = await aws(cli, t.emu.url, ['ec2', 'authorize-security-group-ingress', '--group-id', sg.json.GroupId,
        '--protocol', 'tcp', '--port', '22', '--cidr', '10.0.0.0/8'])
      expect(open.status, open.stderr).toBe(0)
      expect(open.json.Return).toBe(true)
      const described = await aws(cli, t.emu.url, ['ec2', 'describe-security-groups', '--group-ids', sg.json.GroupId])
      expect(described.json.SecurityGroups[0].IpPermissions).toEqual([{
        IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/8' }], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: []
      }])

      const run = await aws(cli, t.emu.url, ['ec2', 'run-instances', '--image-id', ecsOptimizedAmi('us-east-1'), '--count', '1',
        '--security-group-ids', sg.json.GroupId, '--user-data', '#!/bin/bash\necho ECS_CLUSTER=x >> /etc/ecs/ecs.config',
        '--tag-specifications', 'ResourceType=instance,Tags=[{Key=Name,Value=cli}]'])
      expect(run.status, run.stderr).toBe(0)
      const id = run.json.Instances[0].InstanceId
      expect(run.json.Instances[0]).toMatchObject({ State: { Name: 'pending' }, Tags: [{ Key: 'Name', Value: 'cli' }] })
      expect(t.emu.emulator.ec2.store.instanceById(id)?.cluster).toBe('x')

      const found = await aws(cli, t.emu.url, ['ec2', 'describe-instances', '--filters', 'Name=tag:Name,Values=cli', 'Name=instance-state-name,Values=running'])
      expect(found.status, found.stderr).toBe(0)
      expect(found.json.Reservations.flatMap((r: any) => r.Instances).map((i: any) => i.InstanceId)).toContain(id)
      const term = await aws(cli, t.emu.url, ['ec2', 'terminate-instances', '--instance-ids', id])
      expect(term.status, term.stderr).toBe(0)
      expect(term.json.TerminatingInstances[0].CurrentState).toEqual({ Code: 32, Name: 'shutting-down' })
    })

    it(`shows EC2's error code and message (CLI v${cli.version})`, async () => {
      const r = await aws(cli, t.emu.url, ['ec2', 'describe-instances', '--instance-ids', 'i-0123456789abcdef0'])
      expect(r.status).not.toBe(0)
      expect(r.stderr).toContain("An error occurred (InvalidInstanceID.NotFound) when calling the DescribeInstances operation: The instance ID 'i-0123456789abcdef0' does not exist")
      const dry = await aws(cli, t.emu.url, ['ec2', 'describe-availability-zones', '--dry-run'])
      expect(dry.stderr).toContain('An error occurred (DryRunOperation) when calling the DescribeAvailabilityZones operation: Request would have succeeded, but DryRun flag is set.')
    })

    it(`lists tags and zones (CLI v${cli.version})`, async () => {
      const zones = await aws(cli, t.emu.url, ['ec2', 'describe-availability-zones', '--zone-names', 'us-east-1a'])
      expect(zones.status, zones.stderr).toBe(0)
      expect(zones.json.AvailabilityZones).toEqual([expect.objectContaining({ ZoneName: 'us-east-1a', ZoneId: 'use1-az1', State: 'available' })])
      const attrs = await aws(cli, t.emu.url, ['ec2', 'describe-account-attributes', '--attribute-names', 'supported-platforms'])
      expect(attrs.json.AccountAttributes).toEqual([{ AttributeName: 'supported-platforms', AttributeValues: [{ AttributeValue: 'VPC' }] }])
      const tags = await aws(cli, t.emu.url, ['ec2', 'describe-tags', '--filters', 'Name=key,Values=Name'])
      expect(tags.status, tags.stderr).toBe(0)
      expect(tags.json.Tags.length).toBeGreaterThan(0)
    })
  }
})
