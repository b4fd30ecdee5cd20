import { describe, expect, it } from 'vitest'
import {
  checkAgainstModel, checkResponse, type ServiceModel, type WireResponse,
} from '../support/shape-check.js'

const JSON_HEADERS = {
  'content-type': 'application/x-amz-json-1.1',
  'x-amzn-requestid': '6a1b2c3d-0000-4000-8000-000000000001',
}
const XML_HEADERS = { 'content-type': 'text/xml' }
const IAM_NS = 'https://iam.amazonaws.com/doc/2010-05-08/'
const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/'
const REQUEST_ID = '<RequestId>7e3f0c2a-1111-4222-8333-444455556666</RequestId>'

function ecs(operation: string, body: unknown, status = 200): WireResponse {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  return { service: 'ecs', operation, status, headers: { ...JSON_HEADERS }, body: text }
}

function query(service: string, operation: string, result: string | undefined,
  ns = service === 'iam' ? IAM_NS : STS_NS): WireResponse {
  const wrapper = `${operation}Result`
  const inner = result === undefined ? '' : `<${wrapper}>${result}</${wrapper}>`
  const body = `<${operation}Response xmlns="${ns}">${inner}` +
    `<ResponseMetadata>${REQUEST_ID}</ResponseMetadata></${operation}Response>`
  return { service, operation, status: 200, headers: { ...XML_HEADERS }, body }
}

function queryError(service: string, status: number, type: string, code: string):
  WireResponse {
  const ns = service === 'iam' ? IAM_NS : STS_NS
  const body = `<ErrorResponse xmlns="${ns}"><Error><Type>${type}</Type>` +
    `<Code>${code}</Code><Message>it failed</Message></Error>` +
    `${REQUEST_ID}</ErrorResponse>`
  const operation = service === 'iam' ? 'GetRole' : 'GetCallerIdentity'
  return { service, operation, status, headers: { ...XML_HEADERS }, body }
}

function cluster(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    clusterArn: 'arn:aws:ecs:us-east-1:000000000000:cluster/default',
    clusterName: 'default',
    status: 'ACTIVE',
    registeredContainerInstancesCount: 0,
    runningTasksCount: 1,
    pendingTasksCount: 0,
    activeServicesCount: 2,
    statistics: [],
    tags: [{ key: 'team', value: 'core' }],
    settings: [{ name: 'containerInsights', value: 'disabled' }],
    capacityProviders: ['FARGATE'],
    defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
    ...extra,
  }
}

const describeClusters = (c: Record<string, unknown>) =>
  ecs('DescribeClusters', { clusters: [c], failures: [] })
const describeTaskDefinition = (td: Record<string, unknown>) =>
  ecs('DescribeTaskDefinition', { taskDefinition: td })

const ROLE = '<Path>/</Path><RoleName>app</RoleName>' +
  '<RoleId>AROAEXAMPLEROLEID0001</RoleId><Arn>arn:aws:iam::000000000000:role/app</Arn>' +
  '<CreateDate>2024-05-01T12:00:00Z</CreateDate><AssumeRolePolicyDocument>' +
  '%7B%22Version%22%3A%222012-10-17%22%7D</AssumeRolePolicyDocument>' +
  '<MaxSessionDuration>3600</MaxSessionDuration>' +
  '<Tags><member><Key>team</Key><Value>core</Value></member></Tags>' +
  '<RoleLastUsed><LastUsedDate>2024-05-02T08:30:00.123Z</LastUsedDate>' +
  '<Region>us-east-1</Region></RoleLastUsed>'

const getRole = (role: string) => query('iam', 'GetRole', `<Role>${role}</Role>`)

const CREDENTIALS = '<Credentials><AccessKeyId>ASIAEXAMPLE000000001</AccessKeyId>' +
  '<SecretAccessKey>c2VjcmV0</SecretAccessKey>' +
  '<SessionToken>FwoGZXIvYXdzEXAMPLE</SessionToken>' +
  '<Expiration>2024-05-01T13:00:00Z</Expiration></Credentials>'
const ASSUMED = '<AssumedRoleUser>' +
  '<AssumedRoleId>AROAEXAMPLEROLEID0001:s1</AssumedRoleId>' +
  '<Arn>arn:aws:sts::000000000000:assumed-role/app/s1</Arn></AssumedRoleUser>'

describe('checkResponse', () => {
  describe('awsJson success (ECS)', () => {
    it('accepts a conformant DescribeClusters response', () => {
      expect(checkResponse(describeClusters(cluster()))).toEqual([])
    })

    it('accepts a response with no members set at all', () => {
      expect(checkResponse(ecs('DescribeClusters', {}))).toEqual([])
    })

    it('reports a missing required member with its path', () => {
      const c = cluster({ defaultCapacityProviderStrategy: [{ weight: 1 }] })
      expect(checkResponse(describeClusters(c))).toEqual([
        'clusters[0].defaultCapacityProviderStrategy[0].capacityProvider: ' +
          'missing required member',
      ])
    })

    it('reports an unknown member', () => {
      const r = describeClusters(cluster({ clusterColor: 'blue' }))
      expect(checkResponse(r)).toEqual(['clusters[0].clusterColor: unknown member'])
    })

    it('reports an unknown top-level member', () => {
      const r = ecs('DescribeClusters', { clusters: [], nextToken: 'x' })
      expect(checkResponse(r)).toEqual(['nextToken: unknown member'])
    })

    it('reports a wrong type on an integer member', () => {
      const r1 = describeClusters(cluster({ registeredContainerInstancesCount: '3' }))
      expect(checkResponse(r1)).toEqual([
        'clusters[0].registeredContainerInstancesCount: expected integer, got string "3"',
      ])
      const r2 = describeClusters(cluster({ registeredContainerInstancesCount: 1.5 }))
      expect(checkResponse(r2)).toEqual([
        'clusters[0].registeredContainerInstancesCount: expected integer, got 1.5',
      ])
    })

    it('reports structures, lists and strings of the wrong kind', () => {
      const c = cluster({ tags: { team: 'core' }, clusterName: 7, settings: [['x']] })
      expect(checkResponse(describeClusters(c))).toEqual([
        'clusters[0].clusterName: expected string, got number 7',
        'clusters[0].tags: expected array, got object',
        'clusters[0].settings[0]: expected object, got array',
      ])
    })

    it('reports an enum value outside the model', () => {
      const c = cluster({ settings: [{ name: 'containerInsights' }, { name: 'turbo' }] })
      expect(checkResponse(describeClusters(c))).toEqual([
        "clusters[0].settings[1].name: value 'turbo' is not in enum [containerInsights]",
      ])
    })

    it('reports null values', () => {
      const r = describeClusters(cluster({ clusterName: null }))
      expect(checkResponse(r)).toEqual(['clusters[0].clusterName: is null'])
    })

    it('accepts epoch-second timestamps and rejects timestamps sent as strings', () => {
      const td = {
        taskDefinitionArn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:1',
        family: 'web', revision: 1, status: 'ACTIVE', registeredAt: 1714564800.123,
        containerDefinitions: [{ name: 'web', image: 'nginx', essential: true,
          memory: 512, dockerLabels: { 'com.example.team': 'core' } }],
      }
      expect(checkResponse(describeTaskDefinition(td))).toEqual([])
      const bad = { ...td, registeredAt: '2024-05-01T12:00:00Z' }
      expect(checkResponse(describeTaskDefinition(bad))).toEqual([
        'taskDefinition.registeredAt: expected timestamp (epoch seconds number), ' +
          'got string "2024-05-01T12:00:00Z"',
      ])
    })

    it('reports wrong booleans and map values with their path', () => {
      const td = { containerDefinitions: [{ essential: 'true',
        dockerLabels: { 'com.example.team': 1, plain: 'ok' } }] }
      expect(checkResponse(describeTaskDefinition(td))).toEqual([
        'taskDefinition.containerDefinitions[0].essential: expected boolean, ' +
          'got string "true"',
        'taskDefinition.containerDefinitions[0].dockerLabels["com.example.team"]: ' +
          'expected string, got number 1',
      ])
    })

    it('checks status, content-type and request id', () => {
      const r = { ...describeClusters(cluster()), status: 201 }
      r.headers = { 'Content-Type': 'application/json' }
      expect(checkResponse(r)).toEqual([
        "content-type: expected 'application/x-amz-json-1.1', got 'application/json'",
        'x-amzn-requestid header missing',
        'status: expected 200, got 201',
      ])
    })

    it('accepts a content-type with parameters and header names in any case', () => {
      const r = describeClusters(cluster())
      r.headers = { 'Content-Type': 'application/x-amz-json-1.1; charset=utf-8',
        'X-Amzn-RequestId': 'abc' }
      expect(checkResponse(r)).toEqual([])
    })

    it('requires a JSON object body', () => {
      expect(checkResponse(ecs('DescribeClusters', ''))).toEqual(['body is not JSON: ""'])
      expect(checkResponse(ecs('DescribeClusters', '[]')))
        .toEqual(['body is not a JSON object: "[]"'])
    })
  })

  describe('awsJson errors (ECS)', () => {
    const error = (body: unknown, status = 400) => ecs('DescribeClusters', body, status)

    it('accepts a modelled error, with or without a namespace', () => {
      const body = { __type: 'ClusterNotFoundException', message: 'Cluster not found.' }
      expect(checkResponse(error(body))).toEqual([])
      const namespaced = { ...body, __type: 'com.amazonaws.ecs#ClusterNotFoundException' }
      expect(checkResponse(error(namespaced))).toEqual([])
    })

    it('accepts Message as well as message, and common errors', () => {
      const body = { __type: 'UnrecognizedClientException', Message: 'bad token' }
      expect(checkResponse(error(body))).toEqual([])
      const conflict = { __type: 'ConflictException', message: 'x', resourceIds: ['a'] }
      expect(checkResponse(error(conflict))).toEqual([])
    })

    it('reports an error name the service does not have', () => {
      const body = { __type: 'NoSuchClusterException', message: 'x' }
      expect(checkResponse(error(body))).toEqual([
        "__type 'NoSuchClusterException' is not an error of service 'ecs'",
      ])
    })

    it('reports a missing __type or message', () => {
      expect(checkResponse(error({ message: 'x' })))
        .toEqual(['__type missing from error body'])
      expect(checkResponse(error({ __type: 'ClusterNotFoundException' })))
        .toEqual(['message: missing or not a string'])
    })

    it('reports unknown members and a status that does not fit the fault', () => {
      const body = { __type: 'ServerException', message: 'x', code: 'E1' }
      expect(checkResponse(error(body, 400))).toEqual([
        'status 400 does not match a server error',
        'code: unknown member',
      ])
      expect(checkResponse(error({ __type: 'ServerException', message: 'x' }, 500)))
        .toEqual([])
    })
  })

  describe('awsQuery success (IAM, STS)', () => {
    it('accepts a conformant GetRole response', () => {
      expect(checkResponse(getRole(ROLE))).toEqual([])
    })

    it('reports a missing required member RoleId', () => {
      const role = ROLE.replace(/<RoleId>.*<\/RoleId>/, '')
      expect(checkResponse(getRole(role)))
        .toEqual(['Role.RoleId: missing required member'])
    })

    it('reports a missing required Role', () => {
      expect(checkResponse(query('iam', 'GetRole', '')))
        .toEqual(['Role: missing required member'])
    })

    it('reports an unknown element', () => {
      const r = getRole(`${ROLE}<Color>blue</Color>`)
      expect(checkResponse(r)).toEqual(['Role.Color: unknown member'])
    })

    it('reports bad integers, timestamps and repeated elements', () => {
      const role = ROLE.replace('>3600<', '>1h<')
        .replace('2024-05-01T12:00:00Z', 'yesterday')
      expect(checkResponse(getRole(`${role}<Path>/x/</Path>`))).toEqual([
        "Role.Path: element appears 2 times",
        "Role.CreateDate: expected iso8601 timestamp, got 'yesterday'",
        "Role.MaxSessionDuration: expected integer, got '1h'",
      ])
    })

    it('reports list items that are not <member> and missing required in items', () => {
      const role = ROLE.replace('<Tags><member><Key>team</Key>',
        '<Tags><item/><member><Key>team</Key></member><member>')
      expect(checkResponse(getRole(role))).toEqual([
        'Role.Tags: unexpected element <item> (list items are <member>)',
        'Role.Tags[0].Value: missing required member',
        'Role.Tags[1].Key: missing required member',
      ])
    })

    it('reports a bad boolean and keeps text such as 0123 verbatim', () => {
      const roles = `<Roles><member>${ROLE.replace('>app<', '>0123<')}</member></Roles>`
      const ok = query('iam', 'ListRoles', `${roles}<IsTruncated>false</IsTruncated>`)
      expect(checkResponse(ok)).toEqual([])
      const bad = query('iam', 'ListRoles', `${roles}<IsTruncated>yes</IsTruncated>`)
      expect(checkResponse(bad)).toEqual(["IsTruncated: expected boolean, got 'yes'"])
    })

    it('walks maps as <entry><key/><value/></entry>', () => {
      const entry = (k: string, v: string) =>
        `<entry><key>${k}</key><value>${v}</value></entry>`
      const ok = query('iam', 'GetAccountSummary',
        `<SummaryMap>${entry('Roles', '3')}${entry('RolesQuota', '1000')}</SummaryMap>`)
      expect(checkResponse(ok)).toEqual([])
      const bad = query('iam', 'GetAccountSummary',
        `<SummaryMap>${entry('Robots', '3')}${entry('Roles', 'many')}<Roles/>` +
        '</SummaryMap>')
      expect(checkResponse(bad)).toEqual([
        "SummaryMap: map key 'Robots' is not in enum [Users, UsersQuota, Groups, " +
          'GroupsQuota, ServerCertificates, ServerCertificatesQuota, ' +
          'UserPolicySizeQuota, GroupPolicySizeQuota, ... (34 values)]',
        "SummaryMap.Roles: expected integer, got 'many'",
        'SummaryMap: unexpected element <Roles> (map entries are <entry>)',
      ])
    })

    it('checks blobs as base64', () => {
      const result = (content: string) => query('iam', 'GetCredentialReport',
        `<Content>${content}</Content><ReportFormat>text/csv</ReportFormat>` +
        '<GeneratedTime>2024-05-01T12:00:00Z</GeneratedTime>')
      expect(checkResponse(result('dXNlcixhcm4K'))).toEqual([])
      expect(checkResponse(result('user,arn'))).toEqual([
        "Content: expected blob, got 'user,arn'",
      ])
    })

    it('accepts AttachRolePolicy without a result element, and rejects one', () => {
      expect(checkResponse(query('iam', 'AttachRolePolicy', undefined))).toEqual([])
      expect(checkResponse(query('iam', 'AttachRolePolicy', ''))).toEqual([
        '<AttachRolePolicyResponse>: unknown element <AttachRolePolicyResult>',
      ])
    })

    it('requires the result element when the operation has output', () => {
      expect(checkResponse(query('sts', 'GetCallerIdentity', undefined))).toEqual([
        '<GetCallerIdentityResponse>: <GetCallerIdentityResult> missing',
      ])
    })

    it('accepts STS GetCallerIdentity and AssumeRole', () => {
      const identity = '<Arn>arn:aws:iam::000000000000:user/dev</Arn>' +
        '<UserId>AIDAEXAMPLE</UserId><Account>000000000000</Account>'
      expect(checkResponse(query('sts', 'GetCallerIdentity', identity))).toEqual([])
      const assumed = `${CREDENTIALS}${ASSUMED}<PackedPolicySize>6</PackedPolicySize>`
      expect(checkResponse(query('sts', 'AssumeRole', assumed))).toEqual([])
    })

    it('reports AssumeRole credentials without Expiration or with an epoch one', () => {
      const missing = CREDENTIALS.replace(/<Expiration>.*<\/Expiration>/, '')
      expect(checkResponse(query('sts', 'AssumeRole', `${missing}${ASSUMED}`))).toEqual([
        'Credentials.Expiration: missing required member',
      ])
      const epoch = CREDENTIALS.replace('2024-05-01T13:00:00Z', '1714568400')
      expect(checkResponse(query('sts', 'AssumeRole', `${epoch}${ASSUMED}`))).toEqual([
        "Credentials.Expiration: expected iso8601 timestamp, got '1714568400'",
      ])
    })

    it('checks the envelope: root, namespace, metadata, content-type, status', () => {
      const r = query('sts', 'GetCallerIdentity', '', 'https://sts.amazonaws.com/')
      r.body = r.body.replace(REQUEST_ID, '<RequestId/><Extra/>')
      r.headers = { 'content-type': 'application/xml' }
      r.status = 202
      expect(checkResponse(r)).toEqual([
        "content-type: expected 'text/xml', got 'application/xml'",
        'status: expected 200, got 202',
        "<GetCallerIdentityResponse> xmlns: expected '" + STS_NS +
          "', got 'https://sts.amazonaws.com/'",
        '<ResponseMetadata>: unknown element <Extra>',
        '<ResponseMetadata>: <RequestId> missing or empty',
      ])
    })

    it('reports a wrong root element and malformed XML', () => {
      const r = query('sts', 'GetCallerIdentity', '')
      r.operation = 'GetSessionToken'
      expect(checkResponse(r)[0]).toBe('root element: ' +
        'expected <GetSessionTokenResponse>, got <GetCallerIdentityResponse>')
      r.body = '<GetSessionTokenResponse><a></GetSessionTokenResponse>'
      expect(checkResponse(r)).toHaveLength(1)
      expect(checkResponse(r)[0]).toMatch(/^body is not well-formed XML/)
    })

    it('compares the body request id with the x-amzn-requestid header', () => {
      const r = query('sts', 'GetCallerIdentity', '')
      r.headers['x-amzn-requestid'] = 'other'
      expect(checkResponse(r)).toEqual([
        "<RequestId> '7e3f0c2a-1111-4222-8333-444455556666' differs from " +
          "x-amzn-requestid 'other'",
      ])
    })
  })

  describe('awsQuery errors', () => {
    it('accepts a modelled error code with its status and fault', () => {
      expect(checkResponse(queryError('iam', 404, 'Sender', 'NoSuchEntity'))).toEqual([])
      expect(checkResponse(queryError('iam', 500, 'Receiver', 'ServiceFailure')))
        .toEqual([])
      expect(checkResponse(queryError('sts', 400, 'Sender', 'ExpiredTokenException')))
        .toEqual([])
    })

    it('accepts common query errors', () => {
      expect(checkResponse(queryError('iam', 403, 'Sender', 'AccessDenied'))).toEqual([])
      expect(checkResponse(queryError('sts', 403, 'Sender', 'InvalidClientTokenId')))
        .toEqual([])
    })

    it('reports an unknown error code', () => {
      expect(checkResponse(queryError('iam', 400, 'Sender', 'RoleNotFound'))).toEqual([
        "<Error><Code> 'RoleNotFound' is not an error of service 'iam'",
      ])
      expect(checkResponse(queryError('iam', 400, 'Sender', 'NoSuchEntityException')))
        .toHaveLength(1)
    })

    it('reports a wrong status, Type or shape of the error', () => {
      expect(checkResponse(queryError('iam', 400, 'Receiver', 'NoSuchEntity'))).toEqual([
        'status: expected 404, got 400',
        '<Error><Type>: expected Sender for NoSuchEntity',
      ])
      const r = queryError('iam', 404, 'Client', 'NoSuchEntity')
      r.body = r.body.replace('<Message>it failed</Message>', '<Detail/>')
        .replace(REQUEST_ID, '')
      expect(checkResponse(r)).toEqual([
        '<ErrorResponse>: <RequestId> missing or empty',
        "<Error><Type>: expected Sender or Receiver, got 'Client'",
        '<Error><Message> missing',
        'Error.Detail: unknown member',
      ])
    })

    it('reports an error body that is not an ErrorResponse', () => {
      const r = queryError('iam', 404, 'Sender', 'NoSuchEntity')
      r.body = r.body.replace(/ErrorResponse/g, 'Response')
      expect(checkResponse(r)).toContain(
        'root element: expected <ErrorResponse>, got <Response>')
    })
  })

  describe('operations, services and protocol traits', () => {
    it('reports an unknown operation as one violation', () => {
      expect(checkResponse(ecs('DescribeClustersV2', {}))).toEqual([
        "unknown operation 'DescribeClustersV2' for service 'ecs'",
      ])
    })

    it('reports an unknown service', () => {
      expect(checkResponse({ ...ecs('X', {}), service: 'nope' })).toEqual([
        "unknown service 'nope' (no api/models/nope.json)",
      ])
    })

    it('honours locationName, flattened lists and maps, the namespace fallback', () => {
      const r: WireResponse = {
        service: 'demo', operation: 'Get', status: 200, headers: XML_HEADERS,
        body: '<GetResponse xmlns="http://demo.amazonaws.com/doc/2020-01-01/">' +
          '<GetResult><Item>a</Item><Item>b</Item><Box><n>1</n><n>2</n></Box>' +
          '<Attr><Name>k1</Name><Val>v1</Val></Attr>' +
          '<Attr><Name>k2</Name><Val>v2</Val></Attr>' +
          `<Renamed>x</Renamed></GetResult><ResponseMetadata>${REQUEST_ID}` +
          '</ResponseMetadata></GetResponse>',
      }
      expect(checkAgainstModel(DEMO, r)).toEqual([])
      r.body = r.body.replace('<n>2</n>', '<member>2</member>')
        .replace(/Renamed/g, 'Plain')
      expect(checkAgainstModel(DEMO, r)).toEqual([
        'Plain: unknown member',
        'Box: unexpected element <member> (list items are <n>)',
      ])
    })
  })
})

// A small query model using the XML traits the IAM and STS models do not exercise.
const DEMO: ServiceModel = {
  metadata: { protocol: 'query', endpointPrefix: 'demo', apiVersion: '2020-01-01' },
  operations: { Get: { output: { shape: 'GetOutput', resultWrapper: 'GetResult' } } },
  shapes: {
    GetOutput: {
      type: 'structure',
      required: ['Items'],
      members: {
        Items: { shape: 'Strings', flattened: true, locationName: 'Item' },
        Box: { shape: 'Numbers' },
        Attrs: { shape: 'Attributes', locationName: 'Attr' },
        Other: { shape: 'Str', locationName: 'Renamed' },
      },
    },
    Strings: { type: 'list', member: { shape: 'Str' } },
    Numbers: { type: 'list', member: { shape: 'Int', locationName: 'n' } },
    Attributes: {
      type: 'map', flattened: true,
      key: { shape: 'Str', locationName: 'Name' },
      value: { shape: 'Str', locationName: 'Val' },
    },
    Str: { type: 'string' },
    Int: { type: 'integer' },
  },
}
