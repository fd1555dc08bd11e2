// Session requests every server answers unless the caller registers its own: Ping and Echo.
import { EchoSchema, PingSchema } from '../../protocol/gen/corral/v1/common_pb.js'
import { handle, type HandlerEntry } from './handlers.js'

// Why: `corral ping` and connection checks need an answer even from a daemon with no components.
export function pingHandler (startedAtMs: number): HandlerEntry {
  return handle(PingSchema, () => ({ daemonStartedMs: BigInt(startedAtMs), pid: process.pid }))
}

// Why: diagnostics and benchmarks need a request that costs nothing but the transport itself.
export function echoHandler (): HandlerEntry {
  return handle(EchoSchema, (req, ctx) => {
    if (req.repeat === 0) return { payload: req.payload }
    return (async function * () {
      for (let seq = 0; seq < req.repeat && !ctx.signal.aborted; seq++) yield { payload: req.payload, seq }
    })()
  })
}
