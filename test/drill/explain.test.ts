/**
 * `explain`: from a symptom (a caller's AccessDenied by its request id, a stopped task, a
 * service event, a target group, an instance's agent, a role ECS could not assume) back to
 * the denied decision, the policies evaluated, why none allowed it, and the fix. The task and
 * service cases run our agent on the local Docker engine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pino from 'pino'
import {
  CreateClusterCommand, CreateServiceCommand, DescribeClustersCommand, DescribeServicesCommand, DescribeTasksCommand,
  ListClustersCommand, ListContainerInstancesCommand, RegisterTaskDefinitionCommand, RunTaskCommand,
  UpdateServiceCommand, type Task
} from '@aws-sdk/client-ecs'
import { CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs'
import {
  AddRoleToInstanceProfileCommand, CreateInstanceProfileCommand, CreatePolicyCommand, PutUserPermissionsBoundaryCommand, CreateRoleCommand, PutRolePolicyCommand, PutUserPolicyCommand
} from '@aws-sdk/client-iam'
import { EC2Client, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2'
import { GetParameterCommand } from '@aws-sdk/client-ssm'
import { AgentLauncher } from '../../src/agent-launcher.js'
import { AssumeRoleCommand } from '@aws-sdk/client-sts'
import { explain, type Explanation } from '../../src/drill/explain.js'
import { explainCommand, type CommandIo } from '../../src/drill/explain-command.js'
import { DOCKER_SKIP, IMAGES, freePort, hasDocker, removeByLabel, testRunLabel } from '../support/docker.js'
import { useEmulator } from '../support/emulator.js'
import {
  ACCOUNT, credentialsOf, failure, policyDocument, trustPolicy, trustService, userWithKey
} from '../support/fixtures.js'
import { dataDirs, until } from '../agent/fake-engine.js'
import { useAgent } from '../support/agent.js'
import { ec2Ok, filters, items } from '../ec2/client.js'
import { elbOk, members } from '../elbv2/client.js'

process.env.ECS_EMULATOR_TIME_SCALE = '0.02'
const t = useEmulator({ agent: false })
const iamArn = (kind: string, name: string): string => `arn:aws:iam::${ACCOUNT}:${kind}/${name}`

async function explained (subject: string): Promise<{ status: number, body: Explanation & { message?: string } }> {
  const res = await fetch(`${t.emu.url}/_emulator/explain?${new URLSearchParams({ subject })}`)
  return { status: res.status, body: await res.json() as Explanation & { message?: string } }
}

/** An error's request id, as the SDK read it from the answer. */
const requestIdOf = (e: unknown): string => (e as { $metadata: { requestId: string } }).$metadata.requestId

async function role (name: string, trust: string, statements: object[]): Promise<string> {
  const { Role } = await t.iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }))
  if (statements.length > 0) {
    await t.iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'inline', PolicyDocument: policyDocument(...statements) }))
  }
  return Role!.Arn!
}

function capture (env: Record<string, string | undefined> = {}): CommandIo & { stdout: string[], stderr: string[] } {
  const stdout: string[] = []
  const stderr: string[] = []
  return { stdout, stderr, out: s => { stdout.push(s) }, err: s => { stderr.push(s) }, env }
}

describe('explain a caller\'s denied call (by request id)', () => {
  it('names the decision, the principal, its policies, why and the statement that would allow it', async () => {
    const alice = await userWithKey(t.iam, 'alice', policyDocument({ Effect: 'Allow', Action: 'ecs:DescribeClusters', Resource: '*' }))
    const e = await failure(t.emu.clients(alice).ecs.send(new ListClustersCommand({})))
    expect(e.name).toBe('AccessDeniedException')

    const { status, body } = await explained(requestIdOf(e))
    expect(status).toBe(200)
    expect(body).toMatchObject({
      subject: requestIdOf(e),
      symptom: e.message,
      principal: iamArn('user', 'alice'),
      policies: [{ arn: 'user/alice/policy/only', kind: 'identity' }],
      why: 'no identity-based policy allows ecs:ListClusters',
      fix: { Effect: 'Allow', Action: 'ecs:ListClusters', Resource: '*' },
      fixIn: 'an identity-based policy of the user alice'
    })
    expect(body.decision).toMatchObject({ action: 'ecs:ListClusters', decision: 'ImplicitDeny', requestId: requestIdOf(e) })
    expect(body.role).toBeUndefined()
    expect(body.chain.at(-1)).toBe(`decision ${body.decision!.id}: ${iamArn('user', 'alice')} was denied ecs:ListClusters on * (ImplicitDeny)`)
    expect(body.evaluation).toEqual(['none of the 1 policy evaluated has a statement that allows ecs:ListClusters'])

    await t.iam.send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'list', PolicyDocument: policyDocument({ Effect: 'Allow', Action: 'ecs:List*', Resource: '*' }) }))
    expect(explain(t.emu.emulator, requestIdOf(e))!.evaluation)
      .toEqual([`the policies of the user alice allow ecs:ListClusters now: they changed after decision ${body.decision!.id}`])
  })

  it('says which statements name the action but did not apply: another resource, a condition that did not hold', async () => {
    const cluster = (name: string): string => `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/${name}`
    const dave = await userWithKey(t.iam, 'dave', policyDocument(
      { Sid: 'OnlyA', Effect: 'Allow', Action: 'ecs:DescribeClusters', Resource: cluster('a') },
      { Effect: 'Allow', Action: 'ecs:Describe*', Resource: '*', Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } },
      { Effect: 'Allow', Action: 'ecs:ListClusters', Resource: '*' }
    ))
    const e = await failure(t.emu.clients(dave).ecs.send(new DescribeClustersCommand({ clusters: ['b'] })))
    expect(e.name).toBe('AccessDeniedException')

    const found = explain(t.emu.emulator, requestIdOf(e))!
    expect(found.why).toBe('no identity-based policy allows ecs:DescribeClusters')
    expect(found.evaluation).toEqual([
      `dave/only (Sid OnlyA) allows ecs:DescribeClusters only on ${cluster('a')}`,
      'dave/only (statement #1) allows ecs:DescribeClusters only when {"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}, which did not hold'
    ])
    expect(found.fix).toEqual({ Effect: 'Allow', Action: 'ecs:DescribeClusters', Resource: cluster('b') })
  })

  it('names the statement to remove when an explicit Deny decided', async () => {
    const bob = await userWithKey(t.iam, 'bob', policyDocument(
      { Effect: 'Allow', Action: 'ecs:*', Resource: '*' },
      { Sid: 'NoListing', Effect: 'Deny', Action: 'ecs:List*', Resource: '*' }
    ))
    const e = await failure(t.emu.clients(bob).ecs.send(new ListClustersCommand({})))
    expect(e.message).toBe(`User: ${iamArn('user', 'bob')} is not authorized to perform: ecs:ListClusters on resource: * with an explicit deny in an identity-based policy`)

    const found = explain(t.emu.emulator, requestIdOf(e))!
    expect(found.decision).toMatchObject({ decision: 'ExplicitDeny', decidedBy: { policy: 'user/bob/policy/only', statement: 'NoListing' } })
    expect(found.why).toBe('explicitly denied by bob/only (Sid NoListing)')
    expect(found.fixIn).toBe('remove Sid NoListing from bob/only')
    expect(found.fix).toEqual({
      remove: { policy: 'user/bob/policy/only', statement: 'NoListing' },
      statement: { Sid: 'NoListing', Effect: 'Deny', Action: 'ecs:List*', Resource: '*' }
    })
  })

  it('says that the permissions boundary does not allow the action, though an identity policy does', async () => {
    const { Policy } = await t.iam.send(new CreatePolicyCommand({
      PolicyName: 'describe-only', PolicyDocument: policyDocument({ Effect: 'Allow', Action: 'ecs:Describe*', Resource: '*' })
    }))
    const erin = await userWithKey(t.iam, 'erin', policyDocument({ Effect: 'Allow', Action: 'ecs:*', Resource: '*' }))
    await t.iam.send(new PutUserPermissionsBoundaryCommand({ UserName: 'erin', PermissionsBoundary: Policy!.Arn }))
    const e = await failure(t.emu.clients(erin).ecs.send(new ListClustersCommand({})))
    expect(e.message).toBe(`User: ${iamArn('user', 'erin')} is not authorized to perform: ecs:ListClusters on resource: * because no permissions boundary allows the ecs:ListClusters action`)

    const found = explain(t.emu.emulator, requestIdOf(e))!
    expect(found).toMatchObject({
      policies: [{ arn: 'user/erin/policy/only', kind: 'identity' }, { arn: Policy!.Arn, kind: 'boundary' }],
      why: `the permissions boundary ${Policy!.Arn!} of the user erin does not allow ecs:ListClusters`,
      evaluation: ['none of the 1 policy evaluated has a statement that allows ecs:ListClusters'],
      fix: { Effect: 'Allow', Action: 'ecs:ListClusters', Resource: '*' },
      fixIn: 'the permissions boundary of the user erin (or remove the boundary)'
    })
  })

  it('explains the denials of an instance\'s agent by its instance id (principals assumed-role/ROLE/i-...)', async () => {
    const arn = await role('explainInstanceRole', trustPolicy({ AWS: `arn:aws:iam::${ACCOUNT}:root` }),
      [{ Effect: 'Allow', Action: 'ecs:DiscoverPollEndpoint', Resource: '*' }])
    // A session named as EC2 names the instance's (the agent's principal), made through STS.
    const maker = await userWithKey(t.iam, 'instanceMaker', policyDocument({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: arn }))
    const { Credentials } = await t.emu.clients(maker).sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'i-0123456789abcdef0' }))
    const agent = t.emu.clients(credentialsOf(Credentials!)).ecs
    const e = await failure(agent.send(new ListClustersCommand({})))
    expect(e.name).toBe('AccessDeniedException')

    const found = explain(t.emu.emulator, 'i-0123456789abcdef0')!
    expect(found.chain[0]).toBe('the EC2 instance i-0123456789abcdef0 is not known, but its agent\'s calls are')
    expect(found).toMatchObject({
      principal: `arn:aws:sts::${ACCOUNT}:assumed-role/explainInstanceRole/i-0123456789abcdef0`,
      role: arn,
      policies: [{ arn: 'role/explainInstanceRole/policy/inline', kind: 'identity' }],
      why: 'no identity-based policy allows ecs:ListClusters',
      fix: { Effect: 'Allow', Action: 'ecs:ListClusters', Resource: '*' },
      fixIn: 'an identity-based policy of the role explainInstanceRole'
    })
    expect(found.chain).toContain(`arn:aws:sts::${ACCOUNT}:assumed-role/explainInstanceRole/i-0123456789abcdef0 is a session of the role ${arn}`)
  })
})

describe('explain a trust-policy failure', () => {
  it('says that the trust policy does not let a user assume the role, and names the user in the trust statement', async () => {
    const roleArn = await role('explainTrustsNobody', trustService('ecs-tasks.amazonaws.com'), [])
    const frank = await userWithKey(t.iam, 'frank', policyDocument({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }))
    const e = await failure(t.emu.clients(frank).sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'try' })))
    expect(e).toMatchObject({ name: 'AccessDenied', message: `User: ${iamArn('user', 'frank')} is not authorized to perform: sts:AssumeRole because no role trust policy allows the sts:AssumeRole action` })

    const found = explain(t.emu.emulator, requestIdOf(e))!
    expect(found).toMatchObject({
      symptom: e.message,
      principal: iamArn('user', 'frank'),
      role: roleArn,
      policies: [{ arn: 'user/frank/policy/only', kind: 'identity' }, { arn: roleArn, kind: 'trust' }],
      why: `the trust policy of explainTrustsNobody does not let ${iamArn('user', 'frank')} assume it`,
      fix: { Effect: 'Allow', Principal: { AWS: iamArn('user', 'frank') }, Action: 'sts:AssumeRole' }
    })
  })

  it('says that the trust policy does not let ecs.amazonaws.com assume the service role, and gives the trust statement', async () => {
    await t.ecs.send(new CreateClusterCommand({ clusterName: 'trust' }))
    const vpcId = items((await ec2Ok(t.emu.url, 'DescribeVpcs', filters(['is-default', ['true']]))).vpcSet)[0].vpcId
    const subnets = items((await ec2Ok(t.emu.url, 'DescribeSubnets', filters(['vpc-id', [vpcId]]))).subnetSet).map((s: any) => s.subnetId).slice(0, 2)
    const lb = members((await elbOk(t.emu.url, 'CreateLoadBalancer', { Name: 'trust', Subnets: subnets })).LoadBalancers)[0]
    const tg = members((await elbOk(t.emu.url, 'CreateTargetGroup', { Name: 'trust', Protocol: 'HTTP', Port: 80, VpcId: vpcId, TargetType: 'instance' })).TargetGroups)[0]
    await elbOk(t.emu.url, 'CreateListener', { LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg.TargetGroupArn }] })
    const roleArn = await role('wrongTrustServiceRole', trustService('ec2.amazonaws.com'),
      [{ Effect: 'Allow', Action: 'elasticloadbalancing:*', Resource: '*' }])
    const { taskDefinition } = await t.ecs.send(new RegisterTaskDefinitionCommand({
      family: 'trust', networkMode: 'bridge',
      containerDefinitions: [{ name: 'web', image: IMAGES.busybox, memory: 32, portMappings: [{ containerPort: 8080 }] }]
    }))

    const e = await failure(t.ecs.send(new CreateServiceCommand({
      cluster: 'trust', serviceName: 'trust', taskDefinition: taskDefinition!.taskDefinitionArn, desiredCount: 1,
      role: 'wrongTrustServiceRole', loadBalancers: [{ targetGroupArn: tg.TargetGroupArn, containerName: 'web', containerPort: 8080 }]
    })))
    expect(e).toMatchObject({ name: 'InvalidParameterException', message: 'Unable to assume role and validate the specified targetGroupArn. Please verify that the ECS service role being passed has the proper permissions.' })

    const found = explain(t.emu.emulator, requestIdOf(e))!
    expect(found.decision).toMatchObject({ principal: 'ecs.amazonaws.com', action: 'sts:AssumeRole', resource: roleArn, missingAllowIn: 'trust' })
    expect(found).toMatchObject({
      principal: 'ecs.amazonaws.com',
      role: roleArn,
      policies: [{ arn: roleArn, kind: 'trust' }],
      why: 'the trust policy of wrongTrustServiceRole does not let ecs.amazonaws.com assume it',
      fix: { Effect: 'Allow', Principal: { Service: 'ecs.amazonaws.com' }, Action: 'sts:AssumeRole' },
      fixIn: 'the trust policy (AssumeRolePolicyDocument) of the role wrongTrustServiceRole'
    })
    expect(found.symptom).toBeUndefined()
    expect(found.chain[1]).toMatch(/^decision \d+ was made on behalf of arn:aws:ecs:us-east-1:000000000000:service\/trust\/trust$/)
  })
})

describe('GET /_emulator/explain', () => {
  it('answers 404 with a message when nothing is known of the subject', async () => {
    expect(await explained('no-such-request')).toEqual({ status: 404, body: { message: 'Nothing is known of no-such-request' } })
    expect(await explained(`arn:aws:ecs:us-east-1:${ACCOUNT}:task/none/0123456789abcdef0123456789abcdef`))
      .toEqual({ status: 404, body: { message: `Nothing is known of arn:aws:ecs:us-east-1:${ACCOUNT}:task/none/0123456789abcdef0123456789abcdef` } })
    const res = await fetch(`${t.emu.url}/_emulator/explain`)
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({ message: 'Nothing to explain (give ?subject=ARN|INSTANCE_ID|REQUEST_ID)' })
  })
})

describe('explainCommand', () => {
  let requestId = ''
  beforeAll(async () => {
    const carol = await userWithKey(t.iam, 'carol')
    requestId = requestIdOf(await failure(t.emu.clients(carol).ecs.send(new ListClustersCommand({}))))
  })

  it('prints the chain, the decision, the policies, why and the fix, and exits 0', async () => {
    const io = capture()
    expect(await explainCommand([requestId, '--endpoint', t.emu.url], io)).toBe(0)
    const text = io.stdout.join('')
    expect(text).toContain(`explain ${requestId}\n`)
    expect(text).toContain('\nchain\n  1. the request')
    expect(text).toContain(`  principal ${iamArn('user', 'carol')}\n`)
    expect(text).toContain('\nwhy\n  no identity-based policy allows ecs:ListClusters\n')
    expect(text).toContain('\nfix: an identity-based policy of the user carol\n  {\n    "Effect": "Allow",\n    "Action": "ecs:ListClusters",\n    "Resource": "*"\n  }\n')
    expect(io.stderr).toEqual([])
  })

  it('prints the JSON with --json, at AWS_ENDPOINT_URL', async () => {
    const io = capture({ AWS_ENDPOINT_URL: t.emu.url })
    expect(await explainCommand(['--json', requestId], io)).toBe(0)
    expect(JSON.parse(io.stdout.join(''))).toMatchObject({ subject: requestId, principal: iamArn('user', 'carol') })
  })

  it('exits 1 when nothing is known, and 2 on bad usage', async () => {
    const unknown = capture()
    expect(await explainCommand(['nothing-here', '--endpoint', t.emu.url], unknown)).toBe(1)
    expect(unknown.stderr.join('')).toBe('ecs-emulator explain: Nothing is known of nothing-here\n')
    const usage = capture()
    expect(await explainCommand(['--endpoint', t.emu.url], usage)).toBe(2)
    expect(usage.stderr.join('')).toMatch(/^ecs-emulator explain: give one SUBJECT\nusage: ecs-emulator explain SUBJECT/)
    expect(await explainCommand(['a', 'b'], capture())).toBe(2)
    expect(await explainCommand(['a', '--bogus'], capture())).toBe(2)
    const nobody = capture()
    const port = await freePort()
    expect(await explainCommand(['a', '--endpoint', `http://127.0.0.1:${port}`], nobody)).toBe(1)
    expect(nobody.stderr.join('')).toMatch(new RegExp(`^ecs-emulator explain: No emulator answers at http://127.0.0.1:${port}: start one with \`npm start\``))
  })
})

describe.skipIf(!hasDocker)(`explain tasks, services and target groups on the local Docker engine${DOCKER_SKIP}`, () => {
  const CLUSTER = 'explain'
  useAgent(t, { cluster: CLUSTER, scope: 'drill-explain' })

  it('explains a task stopped because its execution role cannot logs:CreateLogStream', async () => {
    const executionRoleArn = await role('explainExecNoLogs', trustService('ecs-tasks.amazonaws.com'),
      [{ Effect: 'Allow', Action: 'logs:PutLogEvents', Resource: '*' }])
    await t.logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/explain' }))
    await t.ecs.send(new RegisterTaskDefinitionCommand({
      family: 'explain-nologs', networkMode: 'bridge', executionRoleArn,
      containerDefinitions: [{
        name: 'main', image: IMAGES.busybox, memory: 16, essential: true, command: ['echo', 'never'],
        logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/explain', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'ecs' } }
      }]
    }))
    const { tasks } = await t.ecs.send(new RunTaskCommand({ cluster: CLUSTER, taskDefinition: 'explain-nologs' }))
    const taskArn = tasks![0].taskArn!
    const taskId = taskArn.split('/').pop()!
    let stopped: Task | undefined
    await until(async () => {
      stopped = (await t.ecs.send(new DescribeTasksCommand({ cluster: CLUSTER, tasks: [taskArn] }))).tasks![0]
      return stopped.lastStatus === 'STOPPED'
    }, () => `the task to stop: ${JSON.stringify(stopped)}`, 30_000)

    const { status, body } = await explained(taskArn)
    expect(status).toBe(200)
    const session = `arn:aws:sts::${ACCOUNT}:assumed-role/explainExecNoLogs/${taskId}`
    const stream = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/ecs/explain:log-stream:ecs/main/${taskId}`
    expect(body).toMatchObject({
      symptom: stopped!.stoppedReason,
      principal: session,
      role: executionRoleArn,
      policies: [{ arn: 'role/explainExecNoLogs/policy/inline', kind: 'identity' }],
      why: 'no identity-based policy allows logs:CreateLogStream',
      fix: { Effect: 'Allow', Action: 'logs:CreateLogStream', Resource: stream }
    })
    expect(body.decision).toMatchObject({ id: expect.any(String), action: 'logs:CreateLogStream', resource: stream, decision: 'ImplicitDeny' })
    expect(body.chain[0]).toBe(`the task ${taskArn} stopped (TaskFailedToStart): ${stopped!.stoppedReason!}`)
    expect(body.chain.slice(1, 3)).toEqual([
      `the task's stop is linked to decision ${body.decision!.id} (the denial the agent met)`,
      `the agent made the call with the task's execution role, ${executionRoleArn}`
    ])
  }, 60_000)

  it('explains a service (and its target group) whose role lacks elasticloadbalancing:RegisterTargets', async () => {
    const vpcId = items((await ec2Ok(t.emu.url, 'DescribeVpcs', filters(['is-default', ['true']]))).vpcSet)[0].vpcId
    const subnets = items((await ec2Ok(t.emu.url, 'DescribeSubnets', filters(['vpc-id', [vpcId]]))).subnetSet).map((s: any) => s.subnetId).slice(0, 2)
    const lb = members((await elbOk(t.emu.url, 'CreateLoadBalancer', { Name: 'explain', Subnets: subnets })).LoadBalancers)[0]
    const tg = members((await elbOk(t.emu.url, 'CreateTargetGroup', { Name: 'explain', Protocol: 'HTTP', Port: 80, VpcId: vpcId, TargetType: 'instance' })).TargetGroups)[0].TargetGroupArn as string
    await elbOk(t.emu.url, 'CreateListener', { LoadBalancerArn: lb.LoadBalancerArn, Protocol: 'HTTP', Port: 80, DefaultActions: [{ Type: 'forward', TargetGroupArn: tg }] })
    const roleArn = await role('explainServiceRole', trustService('ecs.amazonaws.com'), [{
      Effect: 'Allow', Resource: '*',
      Action: ['elasticloadbalancing:DeregisterTargets', 'elasticloadbalancing:DescribeTargetGroups', 'elasticloadbalancing:DescribeTargetHealth']
    }])
    const { taskDefinition } = await t.ecs.send(new RegisterTaskDefinitionCommand({
      family: 'explain-web', networkMode: 'bridge',
      containerDefinitions: [{
        name: 'web', image: IMAGES.busybox, memory: 32, essential: true, stopTimeout: 1,
        command: ['sh', '-c', 'mkdir -p /www && echo ok > /www/index.html && httpd -f -p 8080 -h /www'],
        portMappings: [{ containerPort: 8080, hostPort: 0 }]
      }]
    }))
    const { service } = await t.ecs.send(new CreateServiceCommand({
      cluster: CLUSTER, serviceName: 'explain-web', taskDefinition: taskDefinition!.taskDefinitionArn, desiredCount: 1,
      role: 'explainServiceRole', loadBalancers: [{ targetGroupArn: tg, containerName: 'web', containerPort: 8080 }]
    }))
    const serviceArn = service!.serviceArn!
    const action = 'elasticloadbalancing:RegisterTargets'
    const session = `arn:aws:sts::${ACCOUNT}:assumed-role/explainServiceRole/ecs-service-scheduler`
    const event = `(service explain-web) failed to register targets in (target-group ${tg}) with (error User: ${session} is not authorized to perform: ${action} on resource: ${tg} because no identity-based policy allows the ${action} action)`
    try {
      await until(async () => {
        const { services } = await t.ecs.send(new DescribeServicesCommand({ cluster: CLUSTER, services: ['explain-web'] }))
        return (services![0].events ?? []).some(e => e.message === event)
      }, () => 'the RegisterTargets event', 60_000)

      const expected = {
        symptom: event,
        principal: session,
        role: roleArn,
        policies: [{ arn: 'role/explainServiceRole/policy/inline', kind: 'identity' }],
        why: `no identity-based policy allows ${action}`,
        fix: { Effect: 'Allow', Action: action, Resource: tg },
        fixIn: 'an identity-based policy of the role explainServiceRole'
      }
      const byService = explain(t.emu.emulator, serviceArn)!
      expect(byService).toMatchObject(expected)
      expect(byService.chain.slice(0, 3)).toEqual([
        `the service ${serviceArn} says: ${event}`,
        `the event is linked to decision ${byService.decision!.id}`,
        `ECS's scheduler calls Elastic Load Balancing for it as the service role it was given, ${roleArn}`
      ])
      const byGroup = explain(t.emu.emulator, tg)!
      expect(byGroup).toMatchObject(expected)
      expect(byGroup.chain[0]).toBe(`the target group ${tg} gets its targets from the service ${serviceArn}`)
    } finally {
      await t.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'explain-web', desiredCount: 0 }))
    }
  }, 90_000)

  it('explains a service whose tasks stop because their execution role cannot logs:CreateLogStream', async () => {
    const executionRoleArn = await role('explainSvcNoLogs', trustService('ecs-tasks.amazonaws.com'),
      [{ Effect: 'Allow', Action: 'logs:PutLogEvents', Resource: '*' }])
    await t.logs.send(new CreateLogGroupCommand({ logGroupName: '/ecs/explain-svc' }))
    await t.ecs.send(new RegisterTaskDefinitionCommand({
      family: 'explain-svc-nologs', networkMode: 'bridge', executionRoleArn,
      containerDefinitions: [{
        name: 'main', image: IMAGES.busybox, memory: 16, essential: true, command: ['sleep', '60'],
        logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/explain-svc', 'awslogs-region': 'us-east-1', 'awslogs-stream-prefix': 'svc' } }
      }]
    }))
    const { service } = await t.ecs.send(new CreateServiceCommand({
      cluster: CLUSTER, serviceName: 'explain-nologs', taskDefinition: 'explain-svc-nologs', desiredCount: 1
    }))
    try {
      const found = await until(() => {
        const e = explain(t.emu.emulator, service!.serviceArn!)
        return e?.decision === undefined ? undefined : e
      }, 'a stopped task of the service', 30_000)
      expect(found.chain[0]).toMatch(/^the service arn:aws:ecs:us-east-1:000000000000:service\/explain\/explain-nologs says: \(service explain-nologs\) /)
      expect(found.chain).toContain('one of its tasks stopped on a denial:')
      expect(found.symptom).toMatch(/^CannotStartContainerError: /)
      expect(found).toMatchObject({
        role: executionRoleArn,
        why: 'no identity-based policy allows logs:CreateLogStream',
        fix: { Effect: 'Allow', Action: 'logs:CreateLogStream' }
      })
    } finally {
      await t.ecs.send(new UpdateServiceCommand({ cluster: CLUSTER, service: 'explain-nologs', desiredCount: 0 }))
    }
  }, 60_000)

  it('explains a container instance whose agent met no denial as such', async () => {
    const { containerInstanceArns } = await t.ecs.send(new ListContainerInstancesCommand({ cluster: CLUSTER }))
    const found = explain(t.emu.emulator, containerInstanceArns![0])!
    expect(found.chain[0]).toBe(`the container instance ${containerInstanceArns![0]} is ACTIVE, and its agent is connected`)
    expect(found.decision).toBeUndefined()
  })
})

describe.skipIf(!hasDocker)(`explain an EC2 instance whose agent never joined${DOCKER_SKIP}`, () => {
  const LABELS = testRunLabel('drill-explain-instances')
  const dirs = dataDirs()
  let launcher: AgentLauncher | undefined
  let ec2: EC2Client
  const launched: string[] = []

  beforeAll(async () => {
    const labels = Object.entries(LABELS).map(([k, v]) => `${k}=${v}`).join(',')
    launcher = new AgentLauncher({
      log: pino({ level: 'silent' }), endpoint: t.emu.url, dataDir: dirs.make(),
      extraArgs: ['--time-scale', '0.01'], env: { ...process.env, ECS_EMULATOR_AGENT_LABELS: labels }
    })
    t.emu.emulator.ec2.launcher = launcher
    ec2 = new EC2Client({ endpoint: t.emu.url, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 })
    await t.ecs.send(new CreateClusterCommand({ clusterName: 'fleet' }))
  })

  afterAll(async () => {
    if (launched.length > 0) await ec2.send(new TerminateInstancesCommand({ InstanceIds: launched })).catch(() => undefined)
    await launcher?.close()
    t.emu.emulator.ec2.launcher = undefined
    dirs.cleanup()
    await removeByLabel(LABELS)
  })

  async function launch (roleName: string, trust: string, statements: object[]): Promise<string> {
    await role(roleName, trust, statements)
    await t.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: roleName }))
    await t.iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: roleName, RoleName: roleName }))
    const ami = await t.ssm.send(new GetParameterCommand({ Name: '/aws/service/ecs/optimized-ami/amazon-linux-2/recommended/image_id' }))
    const run = await ec2.send(new RunInstancesCommand({
      ImageId: ami.Parameter!.Value!, InstanceType: 't3.small', MinCount: 1, MaxCount: 1,
      UserData: Buffer.from('#!/bin/bash\necho ECS_CLUSTER=fleet >> /etc/ecs/ecs.config\n').toString('base64'),
      IamInstanceProfile: { Name: roleName }
    }))
    const id = run.Instances![0].InstanceId!
    launched.push(id)
    return id
  }

  it('names the instance role and ecs:RegisterContainerInstance when the role lacks it', async () => {
    const id = await launch('explainNoRegister', trustService('ec2.amazonaws.com'),
      [{ Effect: 'Allow', Action: ['ecs:DiscoverPollEndpoint', 'ecs:Poll', 'ecs:StartTelemetrySession'], Resource: '*' }])
    const found = await until(() => {
      const e = explain(t.emu.emulator, id)
      return e?.decision === undefined ? undefined : e
    }, 'a denial of the instance\'s agent', 30_000)

    const cluster = `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/fleet`
    expect(found.chain[0]).toMatch(new RegExp(`^the EC2 instance ${id} is (pending|running), and it never joined the cluster fleet$`))
    expect(found.chain[1]).toBe('its instance profile explainNoRegister holds the role explainNoRegister')
    expect(found).toMatchObject({
      principal: `arn:aws:sts::${ACCOUNT}:assumed-role/explainNoRegister/${id}`,
      role: iamArn('role', 'explainNoRegister'),
      why: 'no identity-based policy allows ecs:RegisterContainerInstance',
      fix: { Effect: 'Allow', Action: 'ecs:RegisterContainerInstance', Resource: cluster }
    })
    expect(found.decision).toMatchObject({ action: 'ecs:RegisterContainerInstance', resource: cluster })
  }, 60_000)

  it('says that the instance role\'s trust policy does not let ec2.amazonaws.com assume it', async () => {
    const id = await launch('explainWrongTrust', trustService('ecs-tasks.amazonaws.com'),
      [{ Effect: 'Allow', Action: 'ecs:*', Resource: '*' }])
    const found = await until(() => {
      const e = explain(t.emu.emulator, id)
      return e?.decision === undefined ? undefined : e
    }, 'the failed trust evaluation', 30_000)

    expect(found).toMatchObject({
      principal: 'ec2.amazonaws.com',
      role: iamArn('role', 'explainWrongTrust'),
      policies: [{ arn: iamArn('role', 'explainWrongTrust'), kind: 'trust' }],
      why: 'the trust policy of explainWrongTrust does not let ec2.amazonaws.com assume it',
      fix: { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }
    })
    expect(found.chain).toContain(`EC2 could not get the role's credentials for it: decision ${found.decision!.id}`)
  }, 60_000)
})
