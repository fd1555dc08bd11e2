// The control-socket handlers of the event runner: the protocol side of `corral event ...`.
import {
  EventRunRequestSchema, EventStatusRequestSchema, ScriptListRequestSchema, ScriptSetRequestSchema,
} from '../../protocol/gen/corral/v1/events_pb.js'
import { handle, runRecordToProto, scriptInfoToProto, type HandlerEntry } from '../transport/index.js'
import type { EventRunner } from '../events/index.js'

// Why: the daemon registers one flat handler list; the event runner's part lives here.
export function eventHandlers (runner: EventRunner): HandlerEntry[] {
  return [
    handle(EventRunRequestSchema, async req => {
      const run = await runner.run({
        component: req.component,
        event: req.event,
        args: [...req.args],
        timeoutMs: req.timeoutMs === 0 ? undefined : req.timeoutMs,
        runAll: req.runAll ? true : undefined,
      })
      return { run: runRecordToProto(run) }
    }),
    handle(EventStatusRequestSchema, async req => {
      const s = await runner.status(req.component, req.event, req.history)
      return { last: runRecordToProto(s.last), history: s.history.map(runRecordToProto) }
    }),
    handle(ScriptListRequestSchema, async req => {
      const scripts = await runner.listScripts(req.component)
      return { scripts: scripts.map(scriptInfoToProto) }
    }),
    handle(ScriptSetRequestSchema, async req => {
      const script = await runner.setScriptEnabled(req.component, req.script, req.enable)
      return { script: scriptInfoToProto(script) }
    }),
  ]
}
