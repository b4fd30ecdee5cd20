/**
 * What EC2 tells about the account and region: its zones and its account attributes.
 */
import { operation, type Operation } from '../registry.js'
import { ec2Errors } from '../../src/ec2/errors.js'
import { applyFilters, type Filter } from '../../src/ec2/filters.js'
import { availabilityZones, defaultVpc, type Zone } from '../../src/ec2/network.js'
import { described, ec2, scopeOf, type DryRunnable } from './common.js'

const ZONE_FILTERS = {
  'zone-name': (z: Zone) => z.zoneName,
  'zone-id': (z: Zone) => z.zoneId,
  'region-name': (z: Zone) => z.regionName,
  'group-name': (z: Zone) => z.regionName,
  'zone-type': () => 'availability-zone',
  'opt-in-status': () => 'opt-in-not-required',
  state: () => 'available',
  status: () => 'available'
}

interface DescribeAvailabilityZonesRequest extends DryRunnable {
  ZoneNames?: string[]
  ZoneIds?: string[]
  Filters?: Filter[]
  AllAvailabilityZones?: boolean
}

const DescribeAvailabilityZones = operation({
  authorize: 'handler',
  notes: 'Availability zones only (no Local or Wavelength Zones); zone letters are a, b, ' +
    'c ... for every account.',
  handle (input: DescribeAvailabilityZonesRequest, ctx) {
    described(ctx, input, 'DescribeAvailabilityZones')
    let zones = availabilityZones(ctx.region)
    const named = [...(input.ZoneNames ?? []), ...(input.ZoneIds ?? [])]
    const unknown = named.filter(n => !zones.some(z => z.zoneName === n || z.zoneId === n))
    if (unknown.length > 0) {
      throw ec2Errors.invalidParameterValue(`Invalid availability zone: [${unknown.join(', ')}]`)
    }
    if (named.length > 0) {
      zones = zones.filter(z => named.includes(z.zoneName) || named.includes(z.zoneId))
    }
    return {
      AvailabilityZones: applyFilters(zones, input.Filters, ZONE_FILTERS).map(z => ({
        OptInStatus: 'opt-in-not-required',
        Messages: [],
        RegionName: z.regionName,
        ZoneName: z.zoneName,
        ZoneId: z.zoneId,
        GroupName: z.regionName,
        NetworkBorderGroup: z.regionName,
        ZoneType: 'availability-zone',
        State: 'available'
      }))
    }
  }
})

const DescribeAccountAttributes = operation({
  authorize: 'handler',
  notes: 'Quota attributes report AWS\'s default values.',
  handle (input: DryRunnable & { AttributeNames?: string[] }, ctx) {
    described(ctx, input, 'DescribeAccountAttributes')
    const vpc = defaultVpc(ec2(ctx), scopeOf(ctx))
    const all: [string, string][] = [
      ['supported-platforms', 'VPC'],
      ['vpc-max-security-groups-per-interface', '5'],
      ['max-elastic-ips', '5'],
      ['max-instances', '20'],
      ['vpc-max-elastic-ips', '5'],
      ['default-vpc', vpc?.id ?? 'none']
    ]
    const wanted = input.AttributeNames
    return {
      AccountAttributes: all
        .filter(([name]) => wanted === undefined || wanted.includes(name))
        .map(([name, value]) => ({
          AttributeName: name, AttributeValues: [{ AttributeValue: value }]
        }))
    }
  }
})

export const accountOperations: Record<string, Operation> = {
  DescribeAvailabilityZones, DescribeAccountAttributes
}
