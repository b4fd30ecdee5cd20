/**
 * Where the emulator's ECR registry listens: `127.0.0.1:PORT`, the port the control plane's
 * health endpoint names (`registryPort`). The local Docker engine pulls from it over plain
 * HTTP, as it does from any loopback registry; an agent whose Docker engine is on another
 * machine cannot reach it. Asked once per agent, again after a failure.
 */
export function registryLocator (endpoint: string): () => Promise<string | undefined> {
  let found: Promise<string | undefined> | undefined
  return async () => {
    found ??= fetch(`${endpoint}/_emulator/health`)
      .then(async r => (await r.json() as { registryPort?: number | null }).registryPort ?? undefined)
      .then(port => port === undefined ? undefined : `127.0.0.1:${port}`)
    try {
      return await found
    } catch {
      found = undefined
      return undefined
    }
  }
}
