// Session handlers every corrald serves, whatever components run: ping and echo.
import { echoHandler, pingHandler } from '../transport/builtins.js'
import type { HandlerEntry } from '../transport/index.js'

// Why: `corral ping` must answer even from a daemon running nothing else.
export function sessionHandlers (opts: { startedAt: number }): HandlerEntry[] {
  return [pingHandler(opts.startedAt), echoHandler()]
}
