// The plugin API's types are part of its contract: tsc checks this file (`npm run typecheck`).
import t from 'tap'
import { definePlugin, isPlugin, PLUGIN_BRAND } from '../../../engine/events/plugin-api.js'

const plugin = definePlugin({
  name: 'typed',
  options: { PORT: { description: 'port', default: '445' }, HOST: { description: 'host' } },
  events: {
    monitor (ctx) {
      const port: string = ctx.options.PORT
      // @ts-expect-error HOST has no default, so it may be missing
      const host: string = ctx.options.HOST
      const other: string | undefined = ctx.options.ANY_SCRIPT_OPTION
      void [port, host, other]
      return { status: 'degraded', reason: 'slow' }
    },
    takeip (_ctx, { iface, ip, maskbits }) {
      const m: number = maskbits
      const s: string = iface + ip
      void [m, s]
      return { ok: false, reason: 'no such interface' }
    },
    updateip (_ctx, a) {
      const names: [string, string, string, number] = [a.oldIface, a.newIface, a.ip, a.maskbits]
      void names
    },
    // @ts-expect-error a handler may not return anything else
    startup: () => 42,
  },
})

t.test('definePlugin returns the definition, branded for the host', async t => {
  t.equal(plugin.name, 'typed')
  t.equal(plugin[PLUGIN_BRAND], true)
  t.ok(isPlugin(plugin))
  t.notOk(isPlugin({ name: 'x', events: {} }), 'a look-alike without definePlugin is not a plugin')
  t.notOk(isPlugin(null))
})
