import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPluginHost } from '../../../engine/events/plugin-host/index.js'
import { pluginPath } from './fixtures/run.js'
import { makeStubs } from './fixtures/stubs.js'

// Every built-in plugin with takeip/releaseip refuses a request issued at another generation
// than the node's current one, and does nothing (no command runs); the same generation passes.
const dir = mkdtempSync(join(tmpdir(), 'corral-svc-fence-'))
const stubs = makeStubs(dir)
for (const c of ['systemctl', 'ip', 'smbcontrol']) stubs.write(c, 'exit 0')
const host = createPluginHost({ log: { error () {}, warn () {}, info () {}, debug () {} } })
t.teardown(async () => { await host.close(); rmSync(dir, { recursive: true, force: true }) })
const interfacePlugin = new URL('../../../plugins/interface.plugin.ts', import.meta.url).pathname
const plugins: Array<[string, string]> = [['systemd', pluginPath('systemd')], ['samba', pluginPath('samba')], ['nfs', pluginPath('nfs')], ['interface', interfacePlugin]]
const args = ['eth0', '192.0.2.10', '24']

for (const [name, path] of plugins) {
  t.test(`${name}: takeip and releaseip from a stale generation are refused`, async t => {
    for (const event of ['takeip', 'releaseip'] as const) {
      const before = stubs.calls().length
      const r = await host.run({ component: 'legacy', name: `50.${name}`, path, event, args, deadline: Date.now() + 10_000, options: { ...stubs.env, UNIT: 'x.service', KILL_CONNECTIONS: 'no' }, generation: 1234, currentGeneration: 5678 })
      t.equal(r.state, 'ERROR', `${event} refused`)
      t.equal(r.reason, `CORRAL_E_STALE_GENERATION: ${event} was issued at generation 1234; this node is now at generation 5678; refused`)
      t.equal(stubs.calls().length, before, 'no command ran')
    }
  })
}

t.test('the same generation is not stale', async t => {
  const r = await host.run({ component: 'legacy', name: '50.nfs', path: pluginPath('nfs'), event: 'takeip', args, deadline: Date.now() + 10_000, options: {}, generation: 42, currentGeneration: 42 })
  t.equal(r.state, 'OK', r.reason)
})
