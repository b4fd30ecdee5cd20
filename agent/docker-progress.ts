/**
 * A Docker progress stream (a pull, a push, a build) followed to its end: the daemon reports
 * a failure as an `error` event in the stream, not as the HTTP status, so the first such
 * event is the rejection.
 */
import type Docker from 'dockerode'

export async function followProgress (docker: Docker, stream: NodeJS.ReadableStream): Promise<void> {
  await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream,
    (e: Error | null, events: { error?: string }[]) => {
      const failed = events?.find(x => x.error !== undefined)?.error
      if (e !== null || failed !== undefined) reject(new Error(failed ?? e?.message))
      else resolve()
    }))
}
