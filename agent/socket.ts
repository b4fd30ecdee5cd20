/**
 * Opening a websocket to ACS or TCS as the ECS agent's wsclient does: `http` becomes `ws` and
 * `https` `wss`, and the GET upgrade is SigV4-signed. A refused upgrade keeps the status and
 * body, whose error is either an AWS JSON error or `{"<ExceptionName>": "message"}`
 * (`ecs-agent/wsclient/decode.go` DecodeConnectionError).
 */
import WebSocket from 'ws'
import type { AwsCredentials } from './engine.js'
import { signedHeaders } from './signing.js'

const HANDSHAKE_TIMEOUT_MS = 30_000

export class UpgradeRefused extends Error {
  readonly code = 'ECS_EMULATOR_AGENT_UPGRADE_REFUSED'

  constructor (readonly status: number, readonly errorCode: string, readonly errorMessage: string) {
    super(`${errorCode}: ${errorMessage}`)
  }
}

export async function openSignedSocket (url: URL, region: string,
  credentials: AwsCredentials): Promise<WebSocket> {
  const headers = await signedHeaders(url, region, credentials)
  const wsUrl = new URL(url)
  wsUrl.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  const ws = new WebSocket(wsUrl, { headers, handshakeTimeout: HANDSHAKE_TIMEOUT_MS, perMessageDeflate: false })
  return new Promise((resolve, reject) => {
    ws.once('open', () => { ws.removeAllListeners('error'); resolve(ws) })
    ws.once('error', reject)
    ws.once('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8')
        const { code, message } = decodeConnectionError(body, res.headers['x-amzn-errortype'])
        ws.terminate()
        reject(new UpgradeRefused(res.statusCode ?? 0, code, message))
      })
      res.on('error', reject)
    })
  })
}

export function decodeConnectionError (body: string,
  errorType?: string | string[]): { code: string, message: string } {
  const header = (Array.isArray(errorType) ? errorType[0] : errorType)?.split(':')[0]
  let doc: unknown
  try { doc = JSON.parse(body) } catch { doc = undefined }
  if (doc !== null && typeof doc === 'object' && !Array.isArray(doc)) {
    const d = doc as Record<string, unknown>
    const type = typeof d.__type === 'string' ? d.__type.split('#').pop()! : undefined
    const message = typeof d.message === 'string' ? d.message : typeof d.Message === 'string' ? d.Message : undefined
    if (type !== undefined) return { code: type, message: message ?? '' }
    const keys = Object.keys(d)
    if (keys.length === 1 && typeof d[keys[0]] === 'string') return { code: keys[0], message: d[keys[0]] as string }
    if (header !== undefined) return { code: header, message: message ?? body }
  }
  return { code: header ?? 'UnknownError', message: body.trim() }
}
