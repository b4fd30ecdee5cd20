/**
 * examples/alb-web-service in bridge mode: instance targets on each task's dynamic host port,
 * registered by the service as the classic ecsServiceRole (see alb-flow.ts for the steps).
 */
import { useEmulator } from '../support/emulator.js'
import { TIME_SCALE, albWebServiceFlow } from './alb-flow.js'

// Before the emulator starts: its data plane and scheduler read it when they are made.
process.env.ECS_EMULATOR_TIME_SCALE = TIME_SCALE

const t = useEmulator({ agent: false })

albWebServiceFlow(t, 'bridge')
