import { describe, expect, it } from 'vitest'
import { useEmulator } from '../support/emulator.js'
import { CLIS, aws, cliTitle } from '../support/cli.js'
import { ec2Ok, filters, items } from '../ec2/client.js'

const t = useEmulator()

describe(cliTitle('AWS CLI: ELBv2'), () => {
  for (const cli of CLIS) {
    it(`creates an ALB, a target group and a listener, and waits for the ALB (CLI v${cli.version})`, async () => {
      const v = cli.version
      const subnets = await ec2Ok(t.emu.url, 'DescribeSubnets', filters(['default-for-az', ['true']]))
      const ids = items(subnets.subnetSet).slice(0, 2).map(s => s.subnetId as string)
      const lb = await aws(cli, t.emu.url, ['elbv2', 'create-load-balancer', '--name', `cli-v${v}`, '--subnets', ...ids,
        '--tags', 'Key=team,Value=web'])
      expect(lb.status, lb.stderr).toBe(0)
      const lbArn = lb.json.LoadBalancers[0].LoadBalancerArn
      expect(lb.json.LoadBalancers[0].State).toEqual({ Code: 'provisioning' })

      const waited = await aws(cli, t.emu.url, ['elbv2', 'wait', 'load-balancer-available', '--load-balancer-arns', lbArn])
      expect(waited.status, waited.stderr).toBe(0)

      const tg = await aws(cli, t.emu.url, ['elbv2', 'create-target-group', '--name', `cli-tg-v${v}`, '--protocol', 'HTTP',
        '--port', '8080', '--vpc-id', lb.json.LoadBalancers[0].VpcId, '--target-type', 'ip', '--health-check-path', '/health'])
      expect(tg.status, tg.stderr).toBe(0)
      const tgArn = tg.json.TargetGroups[0].TargetGroupArn
      expect(tg.json.TargetGroups[0]).toMatchObject({ HealthCheckPath: '/health', HealthCheckIntervalSeconds: 30, Matcher: { HttpCode: '200' } })

      const listener = await aws(cli, t.emu.url, ['elbv2', 'create-listener', '--load-balancer-arn', lbArn, '--protocol', 'HTTP',
        '--port', '80', '--default-actions', `Type=forward,TargetGroupArn=${tgArn}`])
      expect(listener.status, listener.stderr).toBe(0)
      expect(listener.json.Listeners[0].DefaultActions[0]).toMatchObject({ Type: 'forward', TargetGroupArn: tgArn })

      const missing = await aws(cli, t.emu.url, ['elbv2', 'describe-target-groups', '--names', 'nope'])
      expect(missing.status).not.toBe(0)
      expect(missing.stderr).toContain('(TargetGroupNotFound) when calling the DescribeTargetGroups operation: One or more target groups not found')
    })
  }
})
