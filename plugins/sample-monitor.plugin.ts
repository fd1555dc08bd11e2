// Sample typed plugin: the component is healthy while something accepts TCP connections on a port.
// Enable it in a component (the execute bit enables it, as for scripts):
//   ln -s /usr/lib/node_modules/corral/plugins/sample-monitor.plugin.ts /etc/corral/events.d/legacy/50.port.plugin.ts
//   echo PORT=445 > /etc/corral/events.d/legacy/50.port.options
import { connect } from 'node:net'
import { definePlugin } from 'corral/plugin'

export default definePlugin({
  name: 'sample-monitor',
  options: {
    PORT: { description: 'TCP port that must accept connections (1-65535)', default: '22' },
    HOST: { description: 'address to connect to', default: '127.0.0.1' },
  },
  events: {
    async monitor (ctx) {
      const port = Number(ctx.options.PORT)
      if (!Number.isInteger(port) || port <= 0 || port > 65535) return { ok: false, reason: `PORT must be 1-65535, got '${ctx.options.PORT}'` }
      const host = ctx.options.HOST
      const error = await new Promise<string | null>(resolve => {
        const s = connect({ host, port, signal: ctx.signal })
        s.once('connect', () => { s.destroy(); resolve(null) })
        s.once('error', err => { resolve(err.message) })
      })
      if (error !== null) return { ok: false, reason: `nothing accepts connections on ${host}:${port} (${error})` }
      ctx.log.info('%s:%d accepts connections', host, port)
    },
  },
})
