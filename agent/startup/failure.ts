/**
 * A start-up step that failed the way AWS shows it: `reason` is the text the task's STOPPED
 * state change carries, word for word as the agent (EC2) or Fargate words it.
 */
export class StartupFailure extends Error {
  constructor (
    readonly reason: string,
    /** The containers the failure belongs to (their `reason` is set too); none for the task. */
    readonly containerNames: string[] = []
  ) {
    super(reason)
    this.name = 'StartupFailure'
  }
}

export type LaunchType = 'EC2' | 'FARGATE' | 'EXTERNAL'

/** EXTERNAL instances run the same agent as EC2 ones. */
export const isFargate = (launchType: LaunchType | undefined): boolean => launchType === 'FARGATE'

/** Fargate's prefix for every execution-resource failure (secrets, registry auth). */
export const FARGATE_RESOURCES =
  'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: '
