// The built-in generic service plugin: a process and the TCP port it serves. startup runs the
// configured start command (in a session of its own, so the service outlives the plugin host) and
// waits until the port accepts connections; monitor checks the process (pid file or name) and the
// port; shutdown runs the stop command, or sends SIGTERM to the process, and waits until it is gone.
// Enable it (it ships in corral's events.d/legacy as 43.process), then set its options:
//   corral event script enable legacy 43.process
//   printf 'PORT=8080\nPROCESS=myserver\nSTART=systemd-run --unit=myserver /usr/bin/myserver\n' > /etc/corral/events.d/legacy/43.process.options
import { definePlugin } from 'corral/plugin'
import {
  anyAlive, findProcesses, numberOption, portOption, probePort, probeReason, processFromPidFile, startDetached, waitUntil,
  SERVICE_HOST, SERVICE_READY_TIMEOUT_S, SERVICE_STOP_TIMEOUT_S, type ProcessInfo,
} from 'corral/services'

const options = {
  PORT: { description: 'TCP port the service accepts connections on (1-65535); required' },
  HOST: { description: 'address the port check connects to', default: SERVICE_HOST },
  PROCESS: { description: 'process name (as in /proc/PID/comm or the base name of argv[0]) that must be running; empty: no process check unless PIDFILE is set', default: '' },
  MATCH: { description: 'text that must also occur in that process\'s command line (tells two servers of one program apart)', default: '' },
  PIDFILE: { description: 'pid file of the service; when set, the process named in it must be running (takes precedence over PROCESS)', default: '' },
  START: { description: 'shell command startup runs to start the service (in a new session; may stay in the foreground); empty: startup only waits for the port', default: '' },
  STOP: { description: 'shell command shutdown runs to stop the service; empty: SIGTERM to the process found by PIDFILE/PROCESS', default: '' },
  LOG: { description: 'file the start command\'s output is appended to; empty: discarded', default: '' },
  READY_TIMEOUT: { description: 'seconds startup waits for the port to accept connections after START', default: String(SERVICE_READY_TIMEOUT_S) },
  STOP_TIMEOUT: { description: 'seconds shutdown waits for the process to be gone and the port closed', default: String(SERVICE_STOP_TIMEOUT_S) },
  CONNECT_TIMEOUT: { description: 'milliseconds one connection attempt may take before the port counts as down', default: '1000' },
  SLOW_MS: { description: 'a connect slower than this many milliseconds makes the monitor DEGRADED (0: never)', default: '0' },
} as const

interface Settings { host: string, port: number, connectMs: number, slowMs: number, readyS: number, stopS: number }

function settings (o: Record<string, string | undefined>): Settings {
  return {
    host: o.HOST ?? SERVICE_HOST,
    port: portOption('PORT', o.PORT),
    connectMs: numberOption('CONNECT_TIMEOUT', o.CONNECT_TIMEOUT, 'milliseconds'),
    slowMs: numberOption('SLOW_MS', o.SLOW_MS, 'milliseconds'),
    readyS: numberOption('READY_TIMEOUT', o.READY_TIMEOUT, 'seconds'),
    stopS: numberOption('STOP_TIMEOUT', o.STOP_TIMEOUT, 'seconds'),
  }
}

/** The service's processes, or why there are none; `null` when no process check is configured. */
async function processes (o: Record<string, string | undefined>): Promise<{ found: ProcessInfo[], missing: string | null } | null> {
  if ((o.PIDFILE ?? '') !== '') {
    const r = await processFromPidFile(o.PIDFILE!)
    if ('error' in r) return { found: [], missing: r.error }
    return r.process === null ? { found: [], missing: `process ${r.pid} from ${o.PIDFILE} is not running` } : { found: [r.process], missing: null }
  }
  if ((o.PROCESS ?? '') === '') return null
  const found = await findProcesses({ name: o.PROCESS!, match: o.MATCH })
  const what = `${o.PROCESS}${(o.MATCH ?? '') === '' ? '' : ` with '${o.MATCH}' in its command line`}`
  return { found, missing: found.length === 0 ? `no process ${what} is running` : null }
}

export default definePlugin({
  name: 'process',
  options,
  events: {
    async startup (ctx) {
      const s = settings(ctx.options)
      const check = async (): Promise<string | null> => {
        const p = await probePort({ host: s.host, port: s.port, timeoutMs: s.connectMs, signal: ctx.signal })
        return p.ok ? null : probeReason(s.host, s.port, p)
      }
      if (ctx.options.START === '') {
        const w = await waitUntil(check, { timeoutMs: s.readyS * 1000, signal: ctx.signal })
        return w.ok ? undefined : { ok: false, reason: w.reason }
      }
      if (await check() === null) {
        ctx.log.info('%s:%d already accepts connections; START not run', s.host, s.port)
        return
      }
      const started = startDetached(ctx.options.START, { ...process.env, ...ctx.options }, ctx.options.LOG === '' ? null : ctx.options.LOG)
      const w = await waitUntil(check, { timeoutMs: s.readyS * 1000, signal: ctx.signal, giveUp: started.failure })
      if (!w.ok) return { ok: false, reason: `started with '${ctx.options.START}' but ${w.reason}` }
      ctx.log.info('%s:%d accepts connections %d ms after START', s.host, s.port, Math.round(w.ms))
    },

    async monitor (ctx) {
      const s = settings(ctx.options)
      const procs = await processes(ctx.options)
      if (procs?.missing != null) return { ok: false, reason: procs.missing }
      const p = await probePort({ host: s.host, port: s.port, timeoutMs: s.connectMs, signal: ctx.signal })
      if (!p.ok) return { ok: false, reason: probeReason(s.host, s.port, p) }
      if (s.slowMs > 0 && p.ms > s.slowMs) return { status: 'degraded', reason: `${s.host}:${s.port} accepted a connection in ${p.ms.toFixed(0)} ms (SLOW_MS ${s.slowMs})` }
    },

    async shutdown (ctx) {
      const s = settings(ctx.options)
      const procs = await processes(ctx.options)
      const pids = procs?.found.map(p => p.pid) ?? []
      if (ctx.options.STOP !== '') {
        await ctx.$`/bin/sh -c ${ctx.options.STOP}`
      } else if (pids.length > 0) {
        for (const pid of pids) {
          try { process.kill(pid, 'SIGTERM') } catch { /* already gone */ }
        }
      } else if (procs === null) {
        return { ok: false, reason: 'nothing to stop with: set STOP, PIDFILE or PROCESS' }
      }
      const w = await waitUntil(async () => {
        if (await anyAlive(pids)) return `process ${pids.join(',')} still running`
        const p = await probePort({ host: s.host, port: s.port, timeoutMs: s.connectMs, signal: ctx.signal })
        return p.ok ? `${s.host}:${s.port} still accepts connections` : null
      }, { timeoutMs: s.stopS * 1000, signal: ctx.signal })
      if (!w.ok) return { ok: false, reason: w.reason }
      ctx.log.info('stopped in %d ms', Math.round(w.ms))
    },
  },
})
