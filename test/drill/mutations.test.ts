/**
 * Drill scenarios and mutations, without running anything: the loader says where a file is
 * wrong, and each mutation edits the starting state as a user who set it up wrongly would have.
 */
import { describe, expect, it } from 'vitest'
import { applyMutation, parseMutation, withoutAction } from '../../src/drill/mutations.js'
import { checkScenario, ScenarioError, type Scenario } from '../../src/drill/scenario.js'

const SCENARIO: Scenario = checkScenario({
  name: 'tiny',
  roles: {
    ecsInstanceRole: { trust: 'ec2.amazonaws.com', managed: ['AmazonEC2ContainerServiceforEC2Role'], instanceProfile: 'ecsInstanceRole' },
    app: {
      trust: 'ecs-tasks.amazonaws.com',
      inline: { app: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['ssm:GetParameter', 'sts:GetCallerIdentity'], Resource: '*' }] } }
    }
  },
  caller: { user: 'deployer', inline: { all: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } } },
  steps: [{ name: 'one', call: 'sts.GetCallerIdentity' }],
  drills: [{ break: 'delete-role:app', step: 'one', symptom: 'x' }]
})

const statements = (doc: any): any[] => [doc.Statement].flat()

describe('mutations', () => {
  it('replaces a managed policy that grants the action by a customer managed copy without it, splitting ecs:Submit*', async () => {
    const s = await applyMutation(SCENARIO, parseMutation('remove-action:ecsInstanceRole:ecs:SubmitTaskStateChange'))
    expect(s.roles.ecsInstanceRole.managed).toEqual([])
    const [name, copy] = Object.entries(s.roles.ecsInstanceRole.customer!)[0]
    expect(name).toBe('AmazonEC2ContainerServiceforEC2Role-without-ecs-SubmitTaskStateChange')
    const actions = statements(copy).flatMap(st => [st.Action].flat())
    expect(actions).not.toContain('ecs:Submit*')
    expect(actions).not.toContain('ecs:SubmitTaskStateChange')
    expect(actions).toEqual(expect.arrayContaining(['ecs:SubmitContainerStateChange', 'ecs:SubmitAttachmentStateChanges', 'ecs:Poll', 'ecs:RegisterContainerInstance']))
    expect(SCENARIO.roles.ecsInstanceRole.managed).toEqual(['AmazonEC2ContainerServiceforEC2Role'])
  })

  it('edits an inline policy in place, and turns Action "*" into NotAction', async () => {
    const s = await applyMutation(SCENARIO, parseMutation('remove-action:app:ssm:GetParameter'))
    expect(statements(s.roles.app.inline!.app)).toEqual([{ Effect: 'Allow', Action: 'sts:GetCallerIdentity', Resource: '*' }])
    const c = await applyMutation(SCENARIO, parseMutation('remove-action:caller:iam:PassRole'))
    expect(statements(c.caller.inline!.all)).toEqual([{ Effect: 'Allow', NotAction: ['iam:PassRole'], Resource: '*' }])
  })

  it('says so when no policy of the role grants the action', async () => {
    await expect(applyMutation(SCENARIO, parseMutation('remove-action:app:ecs:Poll'))).rejects.toThrow('no policy of app allows ecs:Poll')
  })

  it('detaches, deletes, denies, spoils the trust and sets a boundary', async () => {
    expect((await applyMutation(SCENARIO, parseMutation('detach:ecsInstanceRole:AmazonEC2ContainerServiceforEC2Role'))).roles.ecsInstanceRole.managed).toEqual([])
    expect((await applyMutation(SCENARIO, parseMutation('delete-role:app'))).roles.app).toBeUndefined()
    expect(statements((await applyMutation(SCENARIO, parseMutation('deny:app:ssm:GetParameter'))).roles.app.inline!['drill-deny']))
      .toEqual([{ Effect: 'Deny', Action: 'ssm:GetParameter', Resource: '*' }])
    expect((await applyMutation(SCENARIO, parseMutation('trust:app:ec2.amazonaws.com'))).roles.app.trust).toBe('ec2.amazonaws.com')
    expect((await applyMutation(SCENARIO, parseMutation('boundary:app:ReadOnlyAccess'))).roles.app.boundary).toBe('ReadOnlyAccess')
  })

  it('refuses what names nothing', async () => {
    expect(() => parseMutation('strip:app')).toThrow(ScenarioError)
    expect(() => parseMutation('remove-action:app')).toThrow('needs KIND:TARGET:ARG')
    await expect(applyMutation(SCENARIO, parseMutation('delete-role:nobody'))).rejects.toThrow("the scenario has no role 'nobody'")
    await expect(applyMutation(SCENARIO, parseMutation('detach:app:NoSuchPolicy'))).rejects.toThrow('no AWS managed policy named NoSuchPolicy')
    await expect(applyMutation(SCENARIO, parseMutation('remove-action:app:ssm:*'))).rejects.toThrow('name one action')
  })

  it('keeps a NotAction statement from granting the action', async () => {
    const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow' as const, NotAction: 'iam:*', Resource: '*' }] }
    expect(statements(await withoutAction(doc, 'ecs:Poll'))).toEqual([{ Effect: 'Allow', NotAction: ['iam:*', 'ecs:Poll'], Resource: '*' }])
    expect(await withoutAction(doc, 'iam:PassRole')).toBeUndefined()
  })
})

describe('scenario files', () => {
  it('say where they are wrong', () => {
    const wrong = (patch: Record<string, unknown>): string => {
      try {
        checkScenario({ name: 'x', roles: {}, caller: { user: 'u' }, steps: [{ name: 'a', call: 'sts.GetCallerIdentity' }], ...patch }, 'x.yaml')
        return 'accepted'
      } catch (e) {
        return (e as Error).message
      }
    }
    expect(wrong({})).toBe('accepted')
    expect(wrong({ steps: [] })).toBe('x.yaml: steps must list the steps')
    expect(wrong({ steps: [{ name: 'a', call: 'GetCallerIdentity' }] })).toBe("x.yaml: steps[0].call must be SERVICE.Operation, not 'GetCallerIdentity'")
    expect(wrong({ steps: [{ name: 'a', wait: 'forever' }] })).toBe('x.yaml: steps[0].wait must be instances, task or service')
    expect(wrong({ steps: [{ name: 'a', call: 'sts.GetCallerIdentity', http: 'x' }] })).toBe('x.yaml: steps[0] (a) must have exactly one of call, wait, http, logs, push')
    expect(wrong({ roles: { r: { managed: [] } } })).toBe('x.yaml: roles.r.trust must be a service principal or a trust policy document')
    expect(wrong({ drills: [{ break: 'delete-role:r', step: 'b' }] })).toBe("x.yaml: drills[0].step must name a step, not 'b'")
  })
})

describe('least privilege', () => {
  it('names resources as a policy would for any run: made-up ids become *', async () => {
    const { generalized } = await import('../../src/drill/ablate.js')
    expect(generalized('arn:aws:logs:us-east-1:000000000000:log-group:/ecs/web:log-stream:ecs/web/0123456789abcdef0123456789abcdef')).toBe('arn:aws:logs:us-east-1:000000000000:log-group:/ecs/web:log-stream:ecs/web/*')
    expect(generalized('arn:aws:ecs:us-east-1:000000000000:container-instance/web/0123456789abcdef0123456789abcdef')).toBe('arn:aws:ecs:us-east-1:000000000000:container-instance/web/*')
    expect(generalized('arn:aws:ec2:us-east-1:000000000000:instance/i-0123456789abcdef0')).toBe('arn:aws:ec2:us-east-1:000000000000:instance/*')
    expect(generalized('arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/0123456789abcdef')).toBe('arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web/*')
    expect(generalized('arn:aws:secretsmanager:us-east-1:000000000000:secret:web/db-AbC123')).toBe('arn:aws:secretsmanager:us-east-1:000000000000:secret:web/db-*')
    expect(generalized('arn:aws:iam::000000000000:role/ecsServiceRole')).toBe('arn:aws:iam::000000000000:role/ecsServiceRole')
  })
})
