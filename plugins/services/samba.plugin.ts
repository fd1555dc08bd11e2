// The built-in Samba plugin (CTDB's 49.winbind and 50.samba in one): startup starts winbindd (if
// managed) and smbd and waits until smbd's ports accept connections; shutdown stops them; monitor
// checks that smbd (and winbindd) run and that every port in PORTS accepts connections (CTDB_SAMBA_CHECK_PORTS).
// After a takeover run that moved addresses on this node, ipreallocated asks smbd to reload its
// configuration with `smbcontrol smbd reload-config` when RELOAD is yes and smbcontrol is present.
// Enable it (it ships in corral's events.d/legacy as 50.samba):
//   corral event script enable legacy 50.samba
import { definePlugin } from 'corral/plugin'
import {
  findProcesses, numberOption, portsOption, probePort, probeReason, ReconfigureMarks, SAMBA_PORTS, SERVICE_HOST, SERVICE_READY_TIMEOUT_S,
  waitUntil, yesNoOption,
} from 'corral/services'

const marks = new ReconfigureMarks()

export default definePlugin({
  name: 'samba',
  options: {
    PORTS: { description: 'comma-separated TCP ports smbd must accept connections on (CTDB_SAMBA_CHECK_PORTS)', default: SAMBA_PORTS },
    HOST: { description: 'address the port checks connect to', default: SERVICE_HOST },
    SMBD: { description: 'process name of smbd', default: 'smbd' },
    WINBIND: { description: 'yes: winbindd is managed and monitored too (CTDB_SERVICE_WINBIND set)', default: 'no' },
    WINBINDD: { description: 'process name of winbindd', default: 'winbindd' },
    START: { description: 'shell command that starts smbd', default: 'systemctl start smbd' },
    STOP: { description: 'shell command that stops smbd', default: 'systemctl stop smbd' },
    WINBIND_START: { description: 'shell command that starts winbindd (with WINBIND=yes)', default: 'systemctl start winbind' },
    WINBIND_STOP: { description: 'shell command that stops winbindd (with WINBIND=yes)', default: 'systemctl stop winbind' },
    SMBCONTROL: { description: 'the smbcontrol program; when it is not found, reload is skipped with a log line', default: 'smbcontrol' },
    RELOAD: { description: 'yes: ipreallocated runs `smbcontrol smbd reload-config` after addresses moved on this node', default: 'no' },
    READY_TIMEOUT: { description: 'seconds startup waits for the ports to accept connections', default: String(SERVICE_READY_TIMEOUT_S) },
    CONNECT_TIMEOUT: { description: 'milliseconds one connection attempt may take', default: '1000' },
  },
  events: {
    async startup (ctx) {
      const ports = portsOption('PORTS', ctx.options.PORTS)
      const readyS = numberOption('READY_TIMEOUT', ctx.options.READY_TIMEOUT, 'seconds')
      const connectMs = numberOption('CONNECT_TIMEOUT', ctx.options.CONNECT_TIMEOUT, 'milliseconds')
      if (yesNoOption('WINBIND', ctx.options.WINBIND)) await ctx.$`/bin/sh -c ${ctx.options.WINBIND_START}`
      await ctx.$`/bin/sh -c ${ctx.options.START}`
      const w = await waitUntil(async () => await portsDown(ctx.options.HOST, ports, connectMs, ctx.signal), { timeoutMs: readyS * 1000, signal: ctx.signal })
      if (!w.ok) return { ok: false, reason: w.reason }
    },

    async shutdown (ctx) {
      await ctx.$`/bin/sh -c ${ctx.options.STOP}`
      if (yesNoOption('WINBIND', ctx.options.WINBIND)) await ctx.$`/bin/sh -c ${ctx.options.WINBIND_STOP}`
    },

    async monitor (ctx) {
      const ports = portsOption('PORTS', ctx.options.PORTS)
      const connectMs = numberOption('CONNECT_TIMEOUT', ctx.options.CONNECT_TIMEOUT, 'milliseconds')
      if (yesNoOption('WINBIND', ctx.options.WINBIND) && (await findProcesses({ name: ctx.options.WINBINDD })).length === 0) {
        return { ok: false, reason: `winbindd is not running (no process ${ctx.options.WINBINDD})` }
      }
      if ((await findProcesses({ name: ctx.options.SMBD })).length === 0) return { ok: false, reason: `smbd is not running (no process ${ctx.options.SMBD})` }
      const down = await portsDown(ctx.options.HOST, ports, connectMs, ctx.signal)
      if (down !== null) return { ok: false, reason: `smbd: ${down}` }
    },

    takeip: ctx => marks.markUnlessStale(ctx, 'smbd'),

    releaseip: ctx => marks.markUnlessStale(ctx, 'smbd'),

    async ipreallocated (ctx) {
      if (!marks.take('smbd') || !yesNoOption('RELOAD', ctx.options.RELOAD)) return
      const which = await ctx.$`command -v ${ctx.options.SMBCONTROL}`.nothrow()
      if (which.exitCode !== 0) {
        ctx.log.info('%s not found: smbd configuration not reloaded', ctx.options.SMBCONTROL)
        return
      }
      await ctx.$`${ctx.options.SMBCONTROL} smbd reload-config`
      ctx.log.info('smbd reload-config sent')
    },
  },
})

// Every port is checked; the reason names each one that does not accept connections.
async function portsDown (host: string, ports: number[], timeoutMs: number, signal: AbortSignal): Promise<string | null> {
  const probes = await Promise.all(ports.map(async port => ({ port, p: await probePort({ host, port, timeoutMs, signal }) })))
  const bad = probes.filter(x => !x.p.ok).map(x => probeReason(host, x.port, x.p))
  return bad.length === 0 ? null : bad.join('; ')
}
