// Sample typed plugin: the node is healthy while something answers on a TCP port on 127.0.0.1.
// Enable it in a component:  ln -s /usr/lib/node_modules/corral/plugins/sample-port.plugin.ts \
//   /etc/corral/events.d/legacy/50.port.plugin.ts   and set PORT=445 in 50.port.options.
import { connect } from 'node:net'
import { definePlugin } from '../engine/events/plugin-api.js'

export default definePlugin({
  name: 'sample-port',
  options: { PORT: 'TCP port that must accept connections on 127.0.0.1 (required)', HOST: 'address to check (default 127.0.0.1)' },
  events: {
    async monitor (ctx) {
      const port = Number(ctx.options.PORT)
      if (!Number.isInteger(port) || port <= 0 || port > 65535) return { ok: false, reason: `PORT option must be 1-65535, got '${ctx.options.PORT ?? ''}'` }
      const host = ctx.options.HOST ?? '127.0.0.1'
      const ok = await new Promise<boolean>(resolve => {
        const s = connect({ host, port, signal: ctx.signal })
        s.once('connect', () => { s.destroy(); resolve(true) })
        s.once('error', () => resolve(false))
      })
      if (!ok) return { ok: false, reason: `nothing accepts connections on ${host}:${port}` }
      ctx.log.info('%s:%d accepts connections', host, port)
    },
  },
})
