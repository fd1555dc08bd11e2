// The `etcd:` form of `[cluster] cluster lock`, shared by config validation and the etcd helper:
//   etcd://HOST:PORT[,HOST:PORT...]/KEY/PATH?ttl=S&ca=FILE&cert=FILE&key=FILE
//   etcds://...  (the same over TLS; ca/cert/key are PEM files)
import { CLUSTER_LOCK_ETCD_KEY, CLUSTER_LOCK_ETCD_TTL_S } from '../../config/defaults.js'
import { CorralError } from '../../errors/index.js'

export interface EtcdLockTarget {
  /** Client endpoints, e.g. ['http://127.0.0.1:2379']. */
  hosts: string[]
  /** Key of the lock (no leading slash). */
  key: string
  /** Lease TTL in whole seconds (etcd leases have 1 s granularity). */
  ttlS: number
  /** PEM file paths for TLS (etcds:). */
  ca?: string
  cert?: string
  certKey?: string
}

const KNOWN = new Set(['ttl', 'ca', 'cert', 'key'])

// Why: a typo in the lock string must fail at config load, not at the first election.
export function parseEtcdLockUrl (value: string): EtcdLockTarget {
  const bad = (why: string): CorralError =>
    new CorralError('CORRAL_E_CONFIG_VALUE', `cluster lock "${value}": ${why}`, { place: { field: 'cluster lock' } })
  const m = /^(etcds?):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?$/.exec(value)
  if (m === null) throw bad('expected etcd://HOST:PORT[,HOST:PORT...]/KEY[?ttl=SECONDS]')
  const [, scheme, hostList, path, query] = m
  const proto = scheme === 'etcds' ? 'https' : 'http'
  const hosts = hostList.split(',').filter(h => h !== '').map(h => {
    if (!/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(h)) throw bad(`bad endpoint "${h}"`)
    return `${proto}://${/:\d+$/.test(h) ? h : `${h}:2379`}`
  })
  if (hosts.length === 0) throw bad('no etcd endpoint')
  const key = decodeURIComponent(path.replace(/^\/+/, '').replace(/\/+$/, '')) || CLUSTER_LOCK_ETCD_KEY
  const params = new URLSearchParams(query ?? '')
  for (const name of params.keys()) if (!KNOWN.has(name)) throw bad(`unknown parameter "${name}" (known: ${[...KNOWN].join(', ')})`)
  const ttlText = params.get('ttl')
  const ttlS = ttlText === null ? CLUSTER_LOCK_ETCD_TTL_S : Number(ttlText)
  if (!Number.isInteger(ttlS) || ttlS < 2 || ttlS > 3600) throw bad(`ttl must be an integer from 2 to 3600 seconds, got "${ttlText}"`)
  const target: EtcdLockTarget = { hosts, key, ttlS }
  const ca = params.get('ca')
  const cert = params.get('cert')
  const certKey = params.get('key')
  if ((ca !== null || cert !== null || certKey !== null) && proto !== 'https') throw bad('ca/cert/key need etcds://')
  if ((cert === null) !== (certKey === null)) throw bad('cert and key go together')
  if (ca !== null) target.ca = ca
  if (cert !== null) target.cert = cert
  if (certKey !== null) target.certKey = certKey
  return target
}
