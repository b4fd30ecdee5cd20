/**
 * How the agent ends, with the ECS agent's exit codes (`agent/sighandlers/exitcodes`): 1 for
 * a failure a restart may cure, 5 for a terminal one that a supervisor must not restart.
 */

export const EXIT_SUCCESS = 0
export const EXIT_ERROR = 1
export const EXIT_TERMINAL = 5

export class AgentExit extends Error {
  readonly code = 'ECS_EMULATOR_AGENT_EXIT'

  constructor (readonly exitCode: number, message: string) {
    super(message)
  }
}

export const terminal = (message: string): AgentExit => new AgentExit(EXIT_TERMINAL, message)
export const retriable = (message: string): AgentExit => new AgentExit(EXIT_ERROR, message)
