import { beforeAll, describe, expect, it } from 'vitest'
import {
  CreateClusterCommand, RegisterContainerInstanceCommand, RegisterTaskDefinitionCommand,
  SubmitTaskStateChangeCommand
} from '@aws-sdk/client-ecs'
import { useEmulator } from '../support/emulator.js'
import { CLIS, aws, cliTitle } from '../support/cli.js'

const t = useEmulator()

beforeAll(async () => {
  await t.ecs.send(new CreateClusterCommand({ clusterName: 'cli' }))
  const { containerInstance } = await t.ecs.send(new RegisterContainerInstanceCommand({
    cluster: 'cli',
    totalResources: [{ name: 'CPU', type: 'INTEGER', integerValue: 2048 }, { name: 'MEMORY', type: 'INTEGER', integerValue: 2048 }]
  }))
  const store = t.emu.emulator.ecs.containerInstances
  const i = store.get({ account: '000000000000', region: 'us-east-1' }, 'cli', containerInstance!.containerInstanceArn!.split('/').pop()!)!
  store.save({ ...i, agentConnected: true })
  await t.ecs.send(new RegisterTaskDefinitionCommand({ family: 'sleep360', containerDefinitions: [{ name: 'sleep', image: 'busybox', memory: 64, command: ['sleep', '360'] }] }))
})

describe.skipIf(CLIS.length === 0)(cliTitle('aws ecs run-task / describe-tasks / wait'), () => {
  it('runs a task, waits for it to run and to stop, and describes it', async () => {
    // Each CLI runs its own task: side by side.
    await Promise.all(CLIS.map(async cli => {
      const ran = await aws(cli, t.emu.url, ['ecs', 'run-task', '--cluster', 'cli', '--task-definition', 'sleep360', '--started-by', `cli-v${cli.version}`])
      expect(ran.stderr).toBe('')
      const task = ran.json.tasks[0]
      expect(task).toMatchObject({ lastStatus: 'PENDING', desiredStatus: 'RUNNING', group: 'family:sleep360', launchType: 'EC2' })
      expect(ran.json.failures).toEqual([])

      await t.ecs.send(new SubmitTaskStateChangeCommand({ cluster: 'cli', task: task.taskArn, status: 'RUNNING' }))
      const running = await aws(cli, t.emu.url, ['ecs', 'wait', 'tasks-running', '--cluster', 'cli', '--tasks', task.taskArn])
      expect(running.status).toBe(0)

      const stopped = await aws(cli, t.emu.url, ['ecs', 'stop-task', '--cluster', 'cli', '--task', task.taskArn, '--reason', 'enough'])
      expect(stopped.json.task).toMatchObject({ desiredStatus: 'STOPPED', stopCode: 'UserInitiated', stoppedReason: 'enough' })
      await t.ecs.send(new SubmitTaskStateChangeCommand({ cluster: 'cli', task: task.taskArn, status: 'STOPPED' }))
      const waited = await aws(cli, t.emu.url, ['ecs', 'wait', 'tasks-stopped', '--cluster', 'cli', '--tasks', task.taskArn])
      expect(waited.status).toBe(0)

      const described = await aws(cli, t.emu.url, ['ecs', 'describe-tasks', '--cluster', 'cli', '--tasks', task.taskArn, 'nope', '--include', 'TAGS'])
      expect(described.stderr).toBe('')
      expect(described.json.tasks[0]).toMatchObject({ taskArn: task.taskArn, lastStatus: 'STOPPED', startedBy: `cli-v${cli.version}` })
      expect(described.json.failures).toEqual([{ arn: 'arn:aws:ecs:us-east-1:000000000000:task/cli/nope', reason: 'MISSING' }])
    }))
  })
})
