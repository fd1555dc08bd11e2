import t from 'tap'
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { bed } from '../events/plugin-host/fixtures/index.js'

const b = bed(t)
const PLUGIN = new URL('../../plugins/examples/haproxy-follow.plugin.ts', import.meta.url).pathname
// A stand-in for the corral CLI that prints whatever `ips.json` holds.
const fake = join(b.dir, 'fake-corral')
const ips = join(b.dir, 'ips.json')
writeFileSync(fake, `#!/bin/sh\ncat ${ips}\n`)
chmodSync(fake, 0o755)
const map = join(b.dir, 'corral.map')
const reloads = join(b.dir, 'reloads')
const run = async (): Promise<{ state: string, reason: string }> => await b.host.run(b.req(PLUGIN, {
  event: 'ipreallocated', options: { CORRAL: fake, MAP_FILE: map, RELOAD: `echo x >> ${reloads}` },
}))

t.test('on ipreallocated it writes one ADDRESS NODE line per assigned address and reloads', async t => {
  writeFileSync(ips, JSON.stringify({ ips: [{ ip: '198.51.100.1', pnn: 0 }, { ip: '198.51.100.2', pnn: 2 }, { ip: '198.51.100.3', pnn: -1 }] }))
  t.match(await run(), { state: 'OK' })
  t.equal(readFileSync(map, 'utf8'), '198.51.100.1 node0\n198.51.100.2 node2\n', 'unassigned addresses are left out')
  t.equal(readFileSync(reloads, 'utf8'), 'x\n')
})

t.test('an unchanged allocation neither rewrites nor reloads', async t => {
  t.match(await run(), { state: 'OK' })
  t.equal(readFileSync(reloads, 'utf8'), 'x\n', 'still one reload')
})

t.test('a failing corral or unexpected output fails the run with the reason, and the map stays', async t => {
  writeFileSync(ips, 'garbage')
  t.match(await run(), { state: 'ERROR', reason: /printed something unexpected/ })
  t.equal(readFileSync(map, 'utf8'), '198.51.100.1 node0\n198.51.100.2 node2\n')
  t.notOk(existsSync(`${map}.tmp`))
})
