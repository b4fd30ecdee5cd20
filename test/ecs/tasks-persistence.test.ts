import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CreateClusterCommand, DescribeContainerInstancesCommand, DescribeTasksCommand,
  RegisterContainerInstanceCommand, RegisterTaskDefinitionCommand, RunTaskCommand,
  SubmitTaskStateChangeCommand
} from '@aws-sdk/client-ecs'
import { startEmulator } from '../support/emulator.js'

let dir: string
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'ecs-emulator-tasks-')) })
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('tasks on disk', () => {
  it('keeps every task, its timestamps and its instance\'s booking across a restart', async () => {
    const first = await startEmulator({ dataDir: dir })
    let taskArn: string
    let instanceArn: string
    try {
      const { ecs } = first.clients()
      await ecs.send(new CreateClusterCommand({ clusterName: 'kept' }))
      const { containerInstance } = await ecs.send(new RegisterContainerInstanceCommand({
        cluster: 'kept',
        totalResources: [{ name: 'CPU', type: 'INTEGER', integerValue: 1024 }, { name: 'MEMORY', type: 'INTEGER', integerValue: 1024 }]
      }))
      instanceArn = containerInstance!.containerInstanceArn!
      const store = first.emulator.ecs.containerInstances
      const i = store.get({ account: '000000000000', region: 'us-east-1' }, 'kept', instanceArn.split('/').pop()!)!
      store.save({ ...i, agentConnected: true })
      await ecs.send(new RegisterTaskDefinitionCommand({ family: 'web', containerDefinitions: [{ name: 'web', image: 'nginx', memory: 300 }] }))
      const { tasks } = await ecs.send(new RunTaskCommand({ cluster: 'kept', taskDefinition: 'web' }))
      taskArn = tasks![0].taskArn!
      await ecs.send(new SubmitTaskStateChangeCommand({ cluster: 'kept', task: taskArn, status: 'RUNNING' }))
    } finally {
      await first.close()
    }
    expect(first.violations).toEqual([])

    const second = await startEmulator({ dataDir: dir })
    try {
      const { ecs } = second.clients()
      const [task] = (await ecs.send(new DescribeTasksCommand({ cluster: 'kept', tasks: [taskArn] }))).tasks!
      expect(task).toMatchObject({ taskArn, lastStatus: 'RUNNING', version: 2, memory: '300' })
      expect(task.startedAt).toBeInstanceOf(Date)
      const [instance] = (await ecs.send(new DescribeContainerInstancesCommand({ cluster: 'kept', containerInstances: [instanceArn] }))).containerInstances!
      expect(instance.runningTasksCount).toBe(1)
      expect(instance.remainingResources!.find(r => r.name === 'MEMORY')!.integerValue).toBe(724)
      expect(second.emulator.ecs.tasks.byContainerInstance(instanceArn).map(t => t.taskArn)).toEqual([taskArn])
    } finally {
      await second.close()
    }
    expect(second.violations).toEqual([])
  })
})
