import t from 'tap'
import { chmodSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { healthyFrom, startCluster, type Cluster } from '../../../engine/cli/local-harness.js'
import { corral } from '../../cli/fixtures/daemon.js'

const dir = mkdtempSync(join(tmpdir(), 'corral-ban-'))
let c: Cluster
t.before(async () => { c = await startCluster(dir, 3, 4402) })
t.teardown(() => { c?.stop(); rmSync(dir, { recursive: true, force: true }) })

t.test('a node that keeps failing recovery collects credits and is banned; the others recover without it', async t => {
  await c.waitFor('a healthy cluster', async () => await healthyFrom(c, 0, [0, 1, 2]))
  const leader = (await c.status(0))!.leader
  const victim = [0, 1, 2].find(p => p !== leader)!
  const observer = [0, 1, 2].find(p => p !== victim)!
  const script = join(c.nodes[victim].configDir, 'events.d', 'legacy', '40.fail.script')
  writeFileSync(script, '#!/bin/sh\n[ "$1" = startrecovery ] && exit 1\nexit 0\n')
  chmodSync(script, 0o755)
  t.equal(corral(['--socket', c.nodes[victim].socket, 'recover']).code, 0)
  const s = await c.waitFor('the victim BANNED and the rest NORMAL', async () => {
    const v = await c.status(observer)
    return v !== null && (v.nodes[victim].flags & 0x8) !== 0 && v.recoveryMode === 0 ? v : null
  }, 30_000)
  t.equal(s.nodes[victim].flags & 0x8, 0x8, 'BANNED')
  t.match(corral(['--socket', c.nodes[observer].socket, 'status']).stdout, new RegExp(`pnn:${victim} \\S+ +BANNED\\|INACTIVE`))
  unlinkSync(script)
  t.equal(corral(['--socket', c.nodes[victim].socket, 'unban']).code, 0)
  await c.waitFor('the victim back', async () => await healthyFrom(c, observer, [0, 1, 2]), 30_000)
})
