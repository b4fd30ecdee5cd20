/**
 * Task-level cpu and memory as ECS reads them, and the cpu/memory pairs Fargate offers
 * (reference §4.2). `cpu` is CPU units (1024 = 1 vCPU) or a vCPU string; `memory` is MiB or
 * a GB string. The bare `"1"` is one CPU unit, not one vCPU.
 */

/** Fargate sizes: CPU units → the MiB values allowed with them (Linux, platform 1.4.0). */
export const FARGATE_SIZES: ReadonlyMap<number, readonly number[]> = new Map([
  [256, [512, 1024, 2048]],
  [512, [1024, 2048, 3072, 4096]],
  [1024, steps(2048, 8192, 1024)],
  [2048, steps(4096, 16384, 1024)],
  [4096, steps(8192, 30720, 1024)],
  [8192, steps(16384, 61440, 4096)],
  [16384, steps(32768, 122880, 8192)]
])

/** Task cpu ECS accepts outside Fargate: 0.125 to 192 vCPU. */
export const EC2_TASK_CPU = { min: 128, max: 196608 }

function steps (from: number, to: number, by: number): number[] {
  const out: number[] = []
  for (let v = from; v <= to; v += by) out.push(v)
  return out
}

const INTEGER = /^\s*(\d+)\s*$/
const VCPU = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*vcpu\s*$/i
const GB = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*gb\s*$/i

/** CPU units for `"1024"` or `"1 vCPU"`; undefined when ECS could not read it. */
export function parseTaskCpu (text: string): number | undefined {
  return parseUnits(text, VCPU, 1024)
}

/** MiB for `"2048"` or `"2GB"` / `"2 GB"`; undefined when ECS could not read it. */
export function parseTaskMemory (text: string): number | undefined {
  return parseUnits(text, GB, 1024)
}

function parseUnits (text: string, scaled: RegExp, factor: number): number | undefined {
  const plain = INTEGER.exec(text)
  if (plain !== null) return Number(plain[1])
  const m = scaled.exec(text)
  if (m === null) return undefined
  const value = Number(m[1]) * factor
  return Number.isInteger(value) ? value : undefined
}

export const isFargateSize = (cpu: number, memory: number): boolean =>
  FARGATE_SIZES.get(cpu)?.includes(memory) ?? false
