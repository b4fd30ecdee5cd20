import { describe, expect, it } from 'vitest'
import { checkPolicyDocument, isServicePrincipal } from '../../src/iam/documents.js'
import { allowPolicy, trustPolicy } from '../support/fixtures.js'

describe('checkPolicyDocument', () => {
  it('reports actions IAM does not know, and accepts the document', async () => {
    const checked = await checkPolicyDocument(allowPolicy(['ecs:RunTask', 'ecs:RunTasks', 's3:Get*', 'nosuch:Thing', '*']), 'inline')
    expect(checked.unknownActions).toEqual(['ecs:RunTasks', 'nosuch:Thing'])
    expect(checked.document.Version).toBe('2012-10-17')
  })

  it('fails a managed policy without a Version with MalformedPolicyDocument', async () => {
    const doc = JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] })
    await expect(checkPolicyDocument(doc, 'inline')).resolves.toBeDefined()
    await expect(checkPolicyDocument(doc, 'managed')).rejects.toMatchObject({
      code: 'MalformedPolicyDocument', message: 'The policy failed legacy parsing'
    })
  })

  it('fails an Effect other than Allow or Deny with MalformedPolicyDocument', async () => {
    const doc = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Permit', Action: 's3:*', Resource: '*' }] })
    await expect(checkPolicyDocument(doc, 'inline')).rejects.toMatchObject({ code: 'MalformedPolicyDocument' })
  })

  it('accepts the account, its root and existing roles as AWS principals', async () => {
    const trust = (aws: string): string => trustPolicy({ AWS: aws })
    const lookup = { account: '000000000000', exists: (_t: string, name: string) => name === 'there' }
    for (const ok of ['000000000000', 'arn:aws:iam::000000000000:root', 'arn:aws:iam::000000000000:role/there',
      'arn:aws:iam::111111111111:role/elsewhere', '*']) {
      await expect(checkPolicyDocument(trust(ok), 'trust', lookup)).resolves.toBeDefined()
    }
    await expect(checkPolicyDocument(trust('arn:aws:iam::000000000000:user/gone'), 'trust', lookup))
      .rejects.toMatchObject({ message: 'Invalid principal in policy: "AWS":"arn:aws:iam::000000000000:user/gone"' })
    await expect(checkPolicyDocument(trust('nonsense'), 'trust', lookup))
      .rejects.toMatchObject({ message: 'Invalid principal in policy: "AWS":"nonsense"' })
  })
})

describe('isServicePrincipal', () => {
  it('knows the ECS principals and refuses near misses', async () => {
    for (const ok of ['ecs-tasks.amazonaws.com', 'ecs.amazonaws.com', 'ec2.amazonaws.com', 'delivery.logs.amazonaws.com',
      'ecs.application-autoscaling.amazonaws.com', 'states.amazonaws.com']) {
      expect(await isServicePrincipal(ok)).toBe(true)
    }
    for (const bad of ['ecs-task.amazonaws.com', 'ecs-tasks', 'ec2.amazonaws.co', 'nothing.amazonaws.com']) {
      expect(await isServicePrincipal(bad)).toBe(false)
    }
  })
})
