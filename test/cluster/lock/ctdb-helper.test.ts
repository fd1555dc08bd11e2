import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ClusterLock, type LockLost } from '../../../engine/cluster/lock/index.js'

// CTDB's own helper through `!COMMAND`, when Debian's ctdb package is installed (CI does not need it).
const FCNTL_HELPER = '/usr/libexec/ctdb/ctdb_mutex_fcntl_helper'
const dir = mkdtempSync(join(tmpdir(), 'corral-lock-ctdb-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

t.test("CTDB's ctdb_mutex_fcntl_helper works as a !command helper", { skip: existsSync(FCNTL_HELPER) ? false : `${FCNTL_HELPER} not installed` }, async t => {
  const config = `!${FCNTL_HELPER} ${join(dir, 'lock')} 1`
  const a = new ClusterLock(config)
  const b = new ClusterLock(config)
  t.equal((await a.take({ timeoutMs: 10_000 })).status, 'held')
  t.equal((await b.take({ timeoutMs: 10_000 })).status, 'contended')
  await a.release()
  t.equal((await b.take({ timeoutMs: 10_000 })).status, 'held')
  const lost = new Promise<LockLost>(resolve => b.on('lock:lost', resolve))
  rmSync(join(dir, 'lock'))
  t.match((await lost).reason, /lock lost/, 'its inode check ends in lock:lost')
})
