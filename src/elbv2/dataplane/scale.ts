/**
 * The time scale when none is given: `ECS_EMULATOR_TIME_SCALE` (default 1). The emulator's
 * own setting is `Config.timeScale` (`--time-scale`, the same variable), which it hands to the
 * data plane and the scheduler; this fallback serves a DataPlane made without one.
 */
export function timeScale (env: NodeJS.ProcessEnv = process.env): number {
  const scale = Number(env.ECS_EMULATOR_TIME_SCALE ?? '1')
  return Number.isFinite(scale) && scale > 0 ? scale : 1
}
