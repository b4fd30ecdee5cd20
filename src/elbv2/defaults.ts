/**
 * The defaults AWS gives what CreateLoadBalancer and CreateTargetGroup leave out: attributes,
 * and health checks per protocol.
 */
import type { LoadBalancer, TargetGroup } from './types.js'

/** An ALB's attributes as DescribeLoadBalancerAttributes lists them on a new one. */
const ALB_ATTRIBUTES: Record<string, string> = {
  'access_logs.s3.enabled': 'false',
  'access_logs.s3.bucket': '',
  'access_logs.s3.prefix': '',
  'client_keep_alive.seconds': '3600',
  'connection_logs.s3.enabled': 'false',
  'connection_logs.s3.bucket': '',
  'connection_logs.s3.prefix': '',
  'deletion_protection.enabled': 'false',
  'idle_timeout.timeout_seconds': '60',
  'routing.http.desync_mitigation_mode': 'defensive',
  'routing.http.drop_invalid_header_fields.enabled': 'false',
  'routing.http.preserve_host_header.enabled': 'false',
  'routing.http.x_amzn_tls_version_and_cipher_suite.enabled': 'false',
  'routing.http.xff_client_port.enabled': 'false',
  'routing.http.xff_header_processing.mode': 'append',
  'routing.http2.enabled': 'true',
  'waf.fail_open.enabled': 'false',
  'zonal_shift.config.enabled': 'false'
}

const NLB_ATTRIBUTES: Record<string, string> = {
  'access_logs.s3.enabled': 'false',
  'access_logs.s3.bucket': '',
  'access_logs.s3.prefix': '',
  'deletion_protection.enabled': 'false',
  'load_balancing.cross_zone.enabled': 'false',
  'dns_record.client_routing_policy': 'any_availability_zone',
  'zonal_shift.config.enabled': 'false'
}

export const loadBalancerAttributes = (type: LoadBalancer['Type']): Record<string, string> =>
  ({ ...(type === 'network' ? NLB_ATTRIBUTES : ALB_ATTRIBUTES) })

/** A target group's attributes on creation (HTTP/HTTPS groups; others get the common ones). */
export function targetGroupAttributes (tg: TargetGroup): Record<string, string> {
  const common: Record<string, string> = {
    'deregistration_delay.timeout_seconds': '300',
    'stickiness.enabled': 'false',
    'stickiness.type': tg.Protocol === 'TCP' || tg.Protocol === 'UDP' || tg.Protocol === 'TCP_UDP' || tg.Protocol === 'TLS'
      ? 'source_ip'
      : 'lb_cookie'
  }
  if (tg.TargetType === 'lambda') return { 'lambda.multi_value_headers.enabled': 'false' }
  if (!isHttp(tg.Protocol)) {
    return {
      ...common,
      'deregistration_delay.connection_termination.enabled': 'false',
      'preserve_client_ip.enabled': tg.TargetType === 'instance' ? 'true' : 'false',
      'proxy_protocol_v2.enabled': 'false',
      'target_health_state.unhealthy.connection_termination.enabled': 'true'
    }
  }
  return {
    ...common,
    'stickiness.lb_cookie.duration_seconds': '86400',
    'stickiness.app_cookie.cookie_name': '',
    'stickiness.app_cookie.duration_seconds': '86400',
    'slow_start.duration_seconds': '0',
    'load_balancing.algorithm.type': 'round_robin',
    'load_balancing.algorithm.anomaly_mitigation': 'off',
    'load_balancing.cross_zone.enabled': 'use_load_balancer_configuration',
    'target_group_health.dns_failover.minimum_healthy_targets.count': '1',
    'target_group_health.dns_failover.minimum_healthy_targets.percentage': 'off',
    'target_group_health.unhealthy_state_routing.minimum_healthy_targets.count': '1',
    'target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage': 'off'
  }
}

export const isHttp = (protocol: string | undefined): boolean =>
  protocol === 'HTTP' || protocol === 'HTTPS'

/**
 * The health check a group gets where CreateTargetGroup leaves it out: `/`, 30 s, 5 s, 5
 * healthy and 2 unhealthy, matcher 200 for HTTP groups; for TCP groups (NLB) 30 s, 10 s,
 * 5 and 2, no path. Lambda groups check every 35 s with a 30 s timeout, healthy after 5,
 * and their checks are off unless enabled.
 */
export function healthCheckDefaults (protocol: string | undefined, targetType: TargetGroup['TargetType']) {
  if (targetType === 'lambda') {
    return { HealthCheckEnabled: false, HealthCheckIntervalSeconds: 35, HealthCheckTimeoutSeconds: 30,
      HealthyThresholdCount: 5, UnhealthyThresholdCount: 2, HealthCheckPath: '/', Matcher: { HttpCode: '200' } }
  }
  if (isHttp(protocol)) {
    return { HealthCheckEnabled: true, HealthCheckProtocol: protocol, HealthCheckPort: 'traffic-port',
      HealthCheckIntervalSeconds: 30, HealthCheckTimeoutSeconds: 5, HealthyThresholdCount: 5,
      UnhealthyThresholdCount: 2, HealthCheckPath: '/', Matcher: { HttpCode: '200' } }
  }
  return { HealthCheckEnabled: true, HealthCheckProtocol: 'TCP', HealthCheckPort: 'traffic-port',
    HealthCheckIntervalSeconds: 30, HealthCheckTimeoutSeconds: 10, HealthyThresholdCount: 5,
    UnhealthyThresholdCount: 2 }
}
