/**
 * examples/alb-web-service in awsvpc mode: ip targets at each task's own address, registered
 * by the service as the service-linked role AWSServiceRoleForECS, made on first need (see
 * alb-flow.ts for the steps).
 */
import { useEmulator } from '../support/emulator.js'
import { TIME_SCALE, albWebServiceFlow } from './alb-flow.js'

// Before the emulator starts: its data plane and scheduler read it when they are made.
process.env.ECS_EMULATOR_TIME_SCALE = TIME_SCALE

const t = useEmulator({ agent: false })

albWebServiceFlow(t, 'awsvpc')
