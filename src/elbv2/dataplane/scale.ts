/**
 * The time scale of the data plane: `ECS_EMULATOR_TIME_SCALE` (default 1) multiplies health
 * check intervals and timeouts, so tests and drills run AWS's delays faster (0.05: a 30 s
 * interval probes every 1.5 s). Read from the environment: the emulator's config has no such
 * setting yet.
 */
export function timeScale (env: NodeJS.ProcessEnv = process.env): number {
  const scale = Number(env.ECS_EMULATOR_TIME_SCALE ?? '1')
  return Number.isFinite(scale) && scale > 0 ? scale : 1
}
