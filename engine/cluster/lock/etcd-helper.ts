// Built-in etcd lock helper: `etcd-helper etcd://HOST:PORT[,...]/KEY?ttl=S` (see etcd-url.ts).
// Non-blocking acquire: a lease with the TTL, then one transaction "create KEY bound to the lease
// if KEY does not exist". Held: keep the lease alive and check every third of the TTL that KEY is
// still ours. Exits (= lock lost) when the lease cannot have been renewed in time, when KEY is gone
// or someone else's, or when the parent dies; SIGTERM and parent death revoke the lease first, so
// the next taker need not wait out the TTL.
import { readFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { performance } from 'node:perf_hooks'
import { Etcd3, type IOptions, type Lease } from 'etcd3'
import { CLUSTER_LOCK_ETCD_SAFETY_MS, CLUSTER_LOCK_PARENT_POLL_MS } from '../../config/defaults.js'
import { parseEtcdLockUrl, type EtcdLockTarget } from './etcd-url.js'
import { fail, initHelper, logErr, onTerminate, parentToWatch, report, watchParent } from './helper-runtime.js'

const NAME = 'corral-etcd-lock'
/** Deadline of each unary etcd call, so a hung etcd gives `3` and not silence. */
const CALL_DEADLINE_MS = 5_000

initHelper()
await main()

async function main (): Promise<void> {
  let target: EtcdLockTarget
  try {
    target = parseEtcdLockUrl(process.argv[2] ?? '')
  } catch (err) {
    fail(NAME, 'error', (err as Error).message)
  }
  const parent = parentToWatch(NAME)
  const client = new Etcd3(clientOptions(target))
  const ttlMs = target.ttlS * 1000
  const safetyMs = Math.min(CLUSTER_LOCK_ETCD_SAFETY_MS, ttlMs / 3)

  // The server renews the lease no earlier than we send a keep-alive, so "sent" times are safe
  // lower bounds of when it was last renewed; a reply answers the oldest outstanding request.
  let renewedAt = performance.now()
  const sent: number[] = []
  const lease: Lease = client.lease(target.ttlS)
  let leaseId: string
  try {
    leaseId = await lease.grant()
  } catch (err) {
    client.close()
    fail(NAME, 'error', `cannot get a lease from ${target.hosts.join(',')}: ${(err as Error).message}`)
  }
  lease.on('keepaliveFired', () => sent.push(performance.now()))
  lease.on('keepaliveSucceeded', () => { renewedAt = sent.shift() ?? renewedAt })

  let released = false
  const revoke = async (): Promise<void> => {
    if (released) return
    released = true
    await lease.revoke({ deadline: new Date(Date.now() + 2_000) }).catch(() => {})
    client.close()
  }
  const lose = (why: string): void => {
    logErr(NAME, `lock lost - ${why}`)
    void revoke().finally(() => process.exit(0))
  }
  onTerminate(revoke)

  const value = JSON.stringify({ host: hostname(), pid: process.ppid, lease: leaseId })
  let won: boolean
  try {
    const res = await client.if(target.key, 'Create', '==', 0)
      .then(client.put(target.key).value(value).lease(leaseId))
      .commit()
    won = res.succeeded
  } catch (err) {
    await revoke()
    fail(NAME, 'error', `lock transaction on "${target.key}" failed: ${(err as Error).message}`)
  }
  if (!won) {
    await revoke()
    fail(NAME, 'contended')
  }
  report('held')

  watchParent(parent, () => lose(`parent ${parent} is gone`))
  // Give up before the server could expire the lease: a partitioned holder must stop first.
  setInterval(() => {
    if (!released && performance.now() - renewedAt > ttlMs - safetyMs) lose(`lease not renewed for ${Math.round(performance.now() - renewedAt)} ms (TTL ${ttlMs} ms)`)
  }, Math.min(CLUSTER_LOCK_PARENT_POLL_MS, safetyMs / 2))
  lease.on('lost', err => lose(`lease lost: ${err.message}`))
  // Someone deleting or overwriting the key (an administrator, a bug) takes the lock away too.
  setInterval(() => {
    client.get(target.key).exec().then(res => {
      const kv = res.kvs[0]
      if (kv === undefined) lose(`key "${target.key}" is gone`)
      else if (kv.lease !== leaseId) lose(`key "${target.key}" now belongs to lease ${kv.lease}`)
    }).catch(() => { /* unreachable etcd: the renewal deadline decides */ })
  }, ttlMs / 3)
}

function clientOptions (t: EtcdLockTarget): IOptions {
  const opts: IOptions = {
    hosts: t.hosts,
    dialTimeout: 2_000,
    defaultCallOptions: ctx => ctx.isStream ? {} : { deadline: Date.now() + CALL_DEADLINE_MS },
  }
  if (t.ca !== undefined || t.cert !== undefined) {
    opts.credentials = {
      // No CA file: grpc's createSsl takes null for "the system roots" (the typing says Buffer).
      rootCertificate: t.ca !== undefined ? readFileSync(t.ca) : null as unknown as Buffer,
      ...(t.cert !== undefined ? { certChain: readFileSync(t.cert) } : {}),
      ...(t.certKey !== undefined ? { privateKey: readFileSync(t.certKey) } : {}),
    }
  }
  return opts
}
