// The failover status callback: a program the leader runs before each takeover run. It reads the
// cluster state as JSON on stdin and may print `{"exclude":[PNN,...]}` to keep nodes from hosting.
import { spawn } from 'node:child_process'
import { killProcessTree } from '../../events/kill.js'

export type CallbackResult = { ok: true, exclude: number[] } | { ok: false, error: string }

// Why: a hung or chatty callback must never stall a takeover run: bounded time, bounded output.
export async function runStatusCallback (program: string, timeoutMs: number, state: object): Promise<CallbackResult> {
  return await new Promise(resolve => {
    let out = ''
    let settled = false
    const done = (r: CallbackResult): void => { if (!settled) { settled = true; clearTimeout(timer); resolve(r) } }
    const child = spawn(program, [], { stdio: ['pipe', 'pipe', 'ignore'], detached: true })
    const timer = setTimeout(() => {
      if (child.pid !== undefined) void killProcessTree(child.pid, 0, { firstSignal: 'SIGKILL' })
      done({ ok: false, error: `timed out after ${timeoutMs} ms (killed)` })
    }, timeoutMs)
    child.on('error', err => done({ ok: false, error: `cannot run it: ${err.message}` }))
    child.stdout.on('data', (c: Buffer) => { if (out.length < 65536) out += c.toString('utf8') })
    child.stdin.on('error', () => {})
    child.stdin.end(JSON.stringify(state))
    child.on('close', (code, signal) => {
      if (code !== 0) { done({ ok: false, error: signal !== null ? `killed by ${signal}` : `exit ${code ?? '?'}` }); return }
      if (out.trim() === '') { done({ ok: true, exclude: [] }); return }
      let v: unknown
      try {
        v = JSON.parse(out)
      } catch (err) {
        done({ ok: false, error: `printed something that is not JSON: ${(err as Error).message}` })
        return
      }
      if (typeof v !== 'object' || v === null || Array.isArray(v)) {
        done({ ok: false, error: 'expected a JSON object like {"exclude":[1,2]}' })
        return
      }
      const ex = (v as { exclude?: unknown }).exclude ?? []
      if (!Array.isArray(ex) || !ex.every(p => Number.isInteger(p) && p >= 0)) {
        done({ ok: false, error: 'field "exclude" must be an array of node numbers' })
        return
      }
      done({ ok: true, exclude: ex as number[] })
    })
  })
}
