// TCP port probes: does something accept connections on HOST:PORT, and how fast.
import { connect } from 'node:net'
import { PORT_PROBE_TIMEOUT_MS } from '../config/defaults.js'

/** The outcome of one connect: accepted (with its time) or refused/timed out (with why). */
export type PortProbe = { ok: true, ms: number } | { ok: false, ms: number, error: string }

export interface ProbeOptions {
  host: string
  port: number
  /** @default PORT_PROBE_TIMEOUT_MS */
  timeoutMs?: number
  signal?: AbortSignal
}

// Why: a service is only useful to clients when its port accepts connections; a connect says so.
export async function probePort (o: ProbeOptions): Promise<PortProbe> {
  const t0 = performance.now()
  const timeoutMs = o.timeoutMs ?? PORT_PROBE_TIMEOUT_MS
  return await new Promise<PortProbe>(resolve => {
    let settled = false
    const s = connect({ host: o.host, port: o.port })
    const done = (error: string | null): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      o.signal?.removeEventListener('abort', onAbort)
      s.destroy()
      const ms = performance.now() - t0
      resolve(error === null ? { ok: true, ms } : { ok: false, ms, error })
    }
    const onAbort = (): void => { done('aborted') }
    const timer = setTimeout(() => { done(`no answer within ${timeoutMs} ms`) }, timeoutMs)
    o.signal?.addEventListener('abort', onAbort, { once: true })
    if (o.signal?.aborted === true) onAbort()
    s.once('connect', () => { done(null) })
    s.once('error', (err: NodeJS.ErrnoException) => { done(err.code ?? err.message) })
  })
}

// Why: one reason line names the address and the error, e.g. "127.0.0.1:445 refuses connections (ECONNREFUSED)".
export function probeReason (host: string, port: number, p: PortProbe): string {
  if (p.ok) return `${host}:${port} accepts connections (${p.ms.toFixed(0)} ms)`
  return `${host}:${port} does not accept connections (${p.error})`
}
