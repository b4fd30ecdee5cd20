import { describe, expect, it } from 'vitest'
import {
  adjustResources, placeTasks, placementRules, type Candidate, type Demand
} from '../../src/ecs/placement.js'
import type { ContainerInstanceRecord } from '../../src/ecs/container-instance.js'

let n = 0
function instance (cpu: number, memory: number, more: Partial<ContainerInstanceRecord> = {}): ContainerInstanceRecord {
  const id = String(n++).padStart(32, '0')
  const resources = [
    { name: 'CPU', type: 'INTEGER', integerValue: cpu },
    { name: 'MEMORY', type: 'INTEGER', integerValue: memory },
    { name: 'PORTS', type: 'STRINGSET', stringSetValue: ['22'] },
    { name: 'PORTS_UDP', type: 'STRINGSET', stringSetValue: [] }
  ]
  return {
    account: '000000000000', region: 'us-east-1', cluster: 'c', id,
    containerInstanceArn: `arn:aws:ecs:us-east-1:000000000000:container-instance/c/${id}`,
    version: 1, versionInfo: {}, registeredResources: resources, remainingResources: resources,
    status: 'ACTIVE', agentConnected: true, runningTasksCount: 0, pendingTasksCount: 0,
    attributes: [], platformDevices: [], registeredAt: 0, ...more
  }
}

const candidate = (i: ContainerInstanceRecord, groups: string[] = []): Candidate =>
  ({ instance: i, tasks: groups.map(group => ({ group })) })

const demand = (more: Partial<Demand> = {}): Demand =>
  ({ cpu: 100, memory: 100, ports: [], portsUdp: [], requiresAttributes: [], group: 'family:web', ...more })

const none = placementRules([], [])
const left = (i: ContainerInstanceRecord, name: string) =>
  i.remainingResources.find(r => r.name === name)!

describe('placeTasks', () => {
  it('books each task on its instance before placing the next', () => {
    const a = instance(1024, 250)
    const result = placeTasks([candidate(a)], demand(), 3, none)
    expect(result.placed).toHaveLength(2)
    expect(result.failures).toEqual([{ arn: a.containerInstanceArn, reason: 'RESOURCE:MEMORY' }])
    const booked = result.instances.get(a.containerInstanceArn)!
    expect(left(booked, 'MEMORY').integerValue).toBe(50)
    expect(left(booked, 'CPU').integerValue).toBe(824)
    expect(booked.pendingTasksCount).toBe(2)
    expect(booked.version).toBe(3)
  })

  it('binpacks onto the instance with the least of the field left', () => {
    const big = instance(4096, 8192)
    const small = instance(2048, 8192)
    const rules = placementRules([], [{ type: 'binpack', field: 'cpu' }])
    const result = placeTasks([candidate(big), candidate(small)], demand(), 2, rules)
    expect(result.placed.map(i => i.id)).toEqual([small.id, small.id])
  })

  it('spreads by instance, counting the group\'s tasks already there', () => {
    const a = instance(4096, 8192)
    const b = instance(4096, 8192)
    const rules = placementRules([], [{ type: 'spread', field: 'instanceId' }])
    const result = placeTasks([candidate(a, ['family:web']), candidate(b)], demand(), 3, rules)
    expect(result.placed.map(i => i.id)).toEqual([b.id, a.id, b.id])
  })

  it('orders at random without a strategy, by the given source of randomness', () => {
    const a = instance(4096, 8192)
    const b = instance(4096, 8192)
    const draws = [0.9, 0.1]
    const result = placeTasks([candidate(a), candidate(b)], demand(), 1, none, () => draws.shift()!)
    expect(result.placed[0].id).toBe(b.id)
  })

  it('checks the agent, attributes and ports before resources', () => {
    const offline = instance(4096, 8192, { agentConnected: false })
    const plain = instance(4096, 8192)
    const result = placeTasks([candidate(offline), candidate(plain)],
      demand({ requiresAttributes: [{ name: 'ecs.capability.task-eni' }] }), 1, none)
    expect(result.failures).toEqual([
      { arn: offline.containerInstanceArn, reason: 'AGENT' },
      { arn: plain.containerInstanceArn, reason: 'ATTRIBUTE', detail: 'ecs.capability.task-eni' }
    ])
    const busy = placeTasks([candidate(plain)], demand({ ports: [22] }), 1, none)
    expect(busy.failures).toEqual([{ arn: plain.containerInstanceArn, reason: 'RESOURCE:PORTS' }])
  })
})

describe('adjustResources', () => {
  it('gives back exactly what was booked', () => {
    const a = instance(1024, 2048)
    const r = { cpu: 256, memory: 512, ports: [8080], portsUdp: [53] }
    const back = adjustResources(adjustResources(a, r, 1), r, -1)
    expect(back.remainingResources).toEqual(a.remainingResources)
  })
})

describe('placementRules', () => {
  it('refuses a memberOf constraint without an expression and a binpack on another field', () => {
    expect(() => placementRules([{ type: 'memberOf' }], [])).toThrow('MemberOf placement constraint must have an expression.')
    expect(() => placementRules([], [{ type: 'binpack', field: 'disk' }])).toThrow(/binpack/)
    expect(() => placementRules([{ type: 'memberOf', expression: 'attribute:x ==' }], [])).toThrow()
  })
})
