import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { DescribeTaskDefinitionCommand, RegisterTaskDefinitionCommand, type RegisterTaskDefinitionCommandInput } from '@aws-sdk/client-ecs'
import { useEmulator } from '../support/emulator.js'
import { ACCOUNT } from '../support/fixtures.js'

const card = (name: string): any =>
  JSON.parse(readFileSync(new URL(`../../examples/gitlab-runner/${name}`, import.meta.url), 'utf8'))

const t = useEmulator()

const register = (input: RegisterTaskDefinitionCommandInput) => t.ecs.send(new RegisterTaskDefinitionCommand(input))

/** What registering answers: the ClientException message, or 'registered'. */
async function outcome (input: RegisterTaskDefinitionCommandInput): Promise<string> {
  try {
    await register(input)
    return 'registered'
  } catch (e) {
    const error = e as Error
    expect(error.name).toBe('ClientException')
    return error.message
  }
}

// One fix at a time, in the order ECS reports the problems (the README walks the same steps).
const STEPS: { fix: string, apply: (td: any) => void, answer: string }[] = [
  {
    fix: 'nothing yet: the card as it is',
    apply: () => {},
    answer: 'Role is not valid'
  },
  {
    fix: 'put a 12-digit account id in taskRoleArn',
    apply: td => { td.taskRoleArn = td.taskRoleArn.replace('your-account-id', ACCOUNT) },
    answer: 'No Fargate configuration exists for given values: 1 CPU, 2000 memory. See the Amazon ECS documentation for the valid values.'
  },
  {
    fix: 'ask for 1 vCPU (1024 units) and 2048 MiB',
    apply: td => { td.cpu = '1024'; td.memory = '2048' },
    answer: "Unknown volume 'docker-socket'."
  },
  {
    fix: 'declare docker-socket as a bind mount of the host socket',
    apply: td => { td.volumes.push({ name: 'docker-socket', host: { sourcePath: '/var/run/docker.sock' } }) },
    answer: 'Fargate compatible task definitions do not support sourcePath'
  },
  {
    fix: 'drop the docker-socket volume and its mount point',
    apply: td => {
      td.volumes = td.volumes.filter((v: any) => v.name !== 'docker-socket')
      td.containerDefinitions[0].mountPoints = td.containerDefinitions[0].mountPoints.filter((m: any) => m.sourceVolume !== 'docker-socket')
    },
    answer: 'Fargate requires task definition to have execution role ARN to support log driver awslogs.'
  },
  {
    fix: 'name the execution role in executionRoleArn',
    apply: td => { td.executionRoleArn = td.taskRoleArn },
    answer: 'registered'
  }
]

describe('examples/gitlab-runner', () => {
  it('walks the card to a registration, each fix replacing one error by the next', async () => {
    const td = card('task-definition.json')
    const answers: string[] = []

    for (const step of STEPS) {
      step.apply(td)
      const answer = await outcome(td)
      expect({ fix: step.fix, answer }).toEqual({ fix: step.fix, answer: step.answer })
      expect(answers).not.toContain(answer)
      answers.push(answer)
    }
  })

  it('registers what only a running task would show to be wrong', async () => {
    const described = await t.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'gitlab-runner:1' }))
    const td = described.taskDefinition!
    const container = td.containerDefinitions![0]

    // One argv entry holding a whole command line; a log region ECS never interpolates; a
    // file system ECS never looks up; the execution role reused as the task role.
    expect(container.command).toEqual(['gitlab-runner run --max-builds 1'])
    expect(container.logConfiguration!.options!['awslogs-region']).toBe('${AWS_REGION}')
    expect(td.volumes![0].efsVolumeConfiguration!.fileSystemId).toBe('fs-1234abcd')
    expect(td.taskRoleArn).toBe(td.executionRoleArn)
  })

  it('registers the corrected card as it is', async () => {
    const out = await register(card('task-definition.fixed.json'))

    expect(out.taskDefinition).toMatchObject({
      taskDefinitionArn: `arn:aws:ecs:us-east-1:${ACCOUNT}:task-definition/gitlab-runner:2`,
      status: 'ACTIVE',
      cpu: '1024',
      memory: '2048',
      compatibilities: ['EC2', 'FARGATE'],
      executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`,
      taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/gitlabRunnerTaskRole`
    })
    expect(out.taskDefinition!.requiresAttributes!.map(a => a.name)).toEqual(expect.arrayContaining([
      'com.amazonaws.ecs.capability.logging-driver.awslogs', 'ecs.capability.execution-role-awslogs',
      'ecs.capability.task-eni', 'ecs.capability.efs', 'com.amazonaws.ecs.capability.task-iam-role'
    ]))
  })
})
