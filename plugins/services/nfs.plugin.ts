// The built-in NFS plugin (CTDB's 60.nfs, simplified): startup starts the NFS server and waits
// until its RPC services are registered; shutdown stops it; monitor checks that every RPC service
// in RPC_SERVICES is registered (`rpcinfo -p`) and that every exported directory (`exportfs`)
// exists. No exports at all is DEGRADED (the server runs, but serves nothing). After a takeover run
// that moved addresses on this node, ipreallocated runs RECONFIGURE (e.g. restart statd) if set;
// takeip/releaseip only note the change, and refuse work from a stale generation.
// Enable it (it ships in corral's events.d/legacy as 60.nfs):
//   corral event script enable legacy 60.nfs
import { stat } from 'node:fs/promises'
import { definePlugin } from 'corral/plugin'
import { listOption, NFS_RPC_SERVICES, numberOption, ReconfigureMarks, SERVICE_HOST, SERVICE_READY_TIMEOUT_S, waitUntil, yesNoOption } from 'corral/services'

const marks = new ReconfigureMarks()

export default definePlugin({
  name: 'nfs',
  options: {
    RPC_SERVICES: { description: 'comma-separated RPC service names that must be registered, as `rpcinfo -p` names them', default: NFS_RPC_SERVICES },
    RPCINFO: { description: 'the rpcinfo program', default: 'rpcinfo' },
    RPC_HOST: { description: 'host rpcinfo asks (CTDB_RPCINFO_LOCALHOST)', default: SERVICE_HOST },
    EXPORTFS: { description: 'the exportfs program', default: 'exportfs' },
    SKIP_SHARE_CHECK: { description: 'yes: do not check that exported directories exist (CTDB_NFS_SKIP_SHARE_CHECK)', default: 'no' },
    START: { description: 'shell command that starts the NFS server', default: 'systemctl start nfs-server' },
    STOP: { description: 'shell command that stops the NFS server', default: 'systemctl stop nfs-server' },
    RECONFIGURE: { description: 'shell command ipreallocated runs after addresses moved on this node (empty: nothing)', default: '' },
    READY_TIMEOUT: { description: 'seconds startup waits for the RPC services to be registered', default: String(SERVICE_READY_TIMEOUT_S) },
  },
  events: {
    async startup (ctx) {
      const readyS = numberOption('READY_TIMEOUT', ctx.options.READY_TIMEOUT, 'seconds')
      await ctx.$`/bin/sh -c ${ctx.options.START}`
      const w = await waitUntil(async () => await rpcMissing(ctx), { timeoutMs: readyS * 1000, signal: ctx.signal })
      if (!w.ok) return { ok: false, reason: w.reason }
    },

    async shutdown (ctx) {
      await ctx.$`/bin/sh -c ${ctx.options.STOP}`
    },

    async monitor (ctx) {
      const missing = await rpcMissing(ctx)
      if (missing !== null) return { ok: false, reason: missing }
      const r = await ctx.$`${ctx.options.EXPORTFS}`.nothrow()
      if (r.exitCode !== 0) return { ok: false, reason: `${ctx.options.EXPORTFS} exited ${String(r.exitCode)}: ${r.stderr.trim().split('\n')[0] ?? ''}` }
      const dirs = exportedDirs(r.stdout)
      if (dirs.length === 0) return { status: 'degraded', reason: 'nothing is exported (exportfs lists no directory)' }
      if (yesNoOption('SKIP_SHARE_CHECK', ctx.options.SKIP_SHARE_CHECK)) return
      for (const d of dirs) {
        const ok = await stat(d).then(s => s.isDirectory(), () => false)
        if (!ok) return { ok: false, reason: `exported directory ${d} does not exist` }
      }
    },

    takeip: ctx => marks.markUnlessStale(ctx, 'nfs'),

    releaseip: ctx => marks.markUnlessStale(ctx, 'nfs'),

    async ipreallocated (ctx) {
      if (!marks.take('nfs') || ctx.options.RECONFIGURE === '') return
      await ctx.$`/bin/sh -c ${ctx.options.RECONFIGURE}`
    },
  },
})

/** `null` when every required RPC service is registered, else which ones are not. */
async function rpcMissing (ctx: { $: import('zx').Shell, options: Readonly<Record<string, string | undefined>> }): Promise<string | null> {
  const want = listOption(ctx.options.RPC_SERVICES)
  const r = await ctx.$`${ctx.options.RPCINFO ?? 'rpcinfo'} -p ${ctx.options.RPC_HOST ?? SERVICE_HOST}`.nothrow()
  if (r.exitCode !== 0) return `rpcinfo -p ${ctx.options.RPC_HOST ?? ''} failed (exit ${String(r.exitCode)}): ${r.stderr.trim().split('\n')[0] ?? ''}`
  const have = registeredServices(r.stdout)
  const missing = want.filter(s => !have.has(s))
  return missing.length === 0 ? null : `RPC service${missing.length > 1 ? 's' : ''} not registered: ${missing.join(', ')}`
}

// `rpcinfo -p`: a header, then `program vers proto port service` per line; the service is the 5th word.
function registeredServices (text: string): Set<string> {
  const out = new Set<string>()
  for (const line of text.split('\n')) {
    const w = line.trim().split(/\s+/)
    if (w.length >= 5 && /^[0-9]+$/.test(w[0])) out.add(w[4])
  }
  return out
}

// `exportfs` prints each directory at the start of a line; long paths put the client on the next line.
function exportedDirs (text: string): string[] {
  const dirs = new Set<string>()
  for (const line of text.split('\n')) if (line.startsWith('/')) dirs.add(line.split(/\s+/)[0])
  return [...dirs]
}
