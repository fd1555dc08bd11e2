// Example: keep an HAProxy (or LVS) front in step with corral's address allocation. On every
// `ipreallocated` it asks `corral ip all --json` where each public address is, writes a map file
// of `ADDRESS NODE` lines (HAProxy `map()` format) atomically, and runs a reload command when the
// map changed. Install it on the load balancer's corral node:
//   cp /usr/lib/node_modules/corral/plugins/examples/haproxy-follow.plugin.ts /etc/corral/events.d/legacy/95.haproxy.plugin.ts
//   chmod +x /etc/corral/events.d/legacy/95.haproxy.plugin.ts
//   printf 'MAP_FILE=/etc/haproxy/corral.map\nRELOAD=systemctl reload haproxy\n' > /etc/corral/events.d/legacy/95.haproxy.options
// In haproxy.cfg a frontend can then route with: use_backend %[dst,map_ip(/etc/haproxy/corral.map)]
import { readFile, rename, writeFile } from 'node:fs/promises'
import { definePlugin } from 'corral/plugin'

export default definePlugin({
  name: 'haproxy-follow',
  options: {
    MAP_FILE: { description: 'map file to write: one `ADDRESS NODE` line per public address', default: '/etc/haproxy/corral.map' },
    RELOAD: { description: 'command run (by sh) after the map changed; empty: none', default: '' },
    CORRAL: { description: 'the corral command', default: 'corral' },
    NODE_PREFIX: { description: 'text before the PNN in the map (e.g. `node` gives node0, node1)', default: 'node' },
  },
  events: {
    async ipreallocated (ctx) {
      const r = await ctx.$`${ctx.options.CORRAL} --json ip all`.nothrow()
      if (r.exitCode !== 0) return { ok: false, reason: `${ctx.options.CORRAL} ip all failed: ${r.stderr.trim() || `exit ${r.exitCode}`}` }
      let ips: Array<{ ip: string, pnn: number }>
      try {
        ips = (JSON.parse(r.stdout) as { ips: Array<{ ip: string, pnn: number }> }).ips
        if (!Array.isArray(ips)) throw new Error('no "ips" list')
      } catch (err) {
        return { ok: false, reason: `corral ip all --json printed something unexpected: ${(err as Error).message}` }
      }
      const text = ips.filter(x => x.pnn >= 0).map(x => `${x.ip} ${ctx.options.NODE_PREFIX}${x.pnn}\n`).join('')
      const file = ctx.options.MAP_FILE
      const before = await readFile(file, 'utf8').catch(() => null)
      if (before === text) return
      await writeFile(`${file}.tmp`, text)
      await rename(`${file}.tmp`, file)
      ctx.log.info('%s: %d addresses', file, text === '' ? 0 : text.split('\n').length - 1)
      if (ctx.options.RELOAD.trim() === '') return
      const rl = await ctx.$`sh -c ${ctx.options.RELOAD}`.nothrow()
      if (rl.exitCode !== 0) return { status: 'degraded', reason: `map written but reload failed: ${rl.stderr.trim() || `exit ${rl.exitCode}`}` }
    },
  },
})
