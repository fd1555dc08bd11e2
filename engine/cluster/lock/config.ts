// `[cluster] cluster lock = VALUE` to the helper command that takes the lock (ctdb-semantics §1.8):
//   !COMMAND ARGS...  any helper (split on blanks, no shell), e.g. CTDB's ctdb_mutex_fcntl_helper
//   etcd://... etcds://...  the built-in etcd helper (see etcd-url.ts)
//   /a/path           the built-in file lock helper on that file
import { isAbsolute } from 'node:path'
import { CorralError } from '../../errors/index.js'
import { parseEtcdLockUrl } from './etcd-url.js'
import { builtinHelper } from './resolve.js'

/** Which kind of helper a lock string selects. */
export type LockKind = 'command' | 'file' | 'etcd'

/** A helper to spawn: argv without a shell. */
export interface HelperCommand {
  kind: LockKind
  file: string
  args: string[]
  /** Environment changes for the helper; `undefined` removes a variable. */
  env?: Record<string, string | undefined>
}

export interface LockConfigOptions {
  /** File helper: seconds between lock-file inode checks. @default CLUSTER_LOCK_RECHECK_INTERVAL_S */
  recheckIntervalS?: number
}

// Why: the config loader validates the string eagerly; the daemon spawns what this returns.
export function parseLockConfig (value: string, opts: LockConfigOptions = {}): HelperCommand {
  const v = value.trim()
  const bad = (why: string): CorralError =>
    new CorralError('CORRAL_E_CONFIG_VALUE', `cluster lock "${value}": ${why}`, { place: { field: 'cluster lock' } })
  if (v === '') throw bad('empty (leave the key unset for no lock)')
  if (v.startsWith('!')) {
    const argv = v.slice(1).split(/[ \t]+/).filter(a => a !== '')
    if (argv.length === 0) throw bad('"!" needs a command')
    return { kind: 'command', file: argv[0], args: argv.slice(1) }
  }
  if (/^etcds?:/.test(v)) {
    parseEtcdLockUrl(v)
    const h = builtinHelper('etcd-helper')
    return { kind: 'etcd', file: h.file, args: [...h.args, v] }
  }
  if (!isAbsolute(v)) throw bad('a lock file must be an absolute path (or use !COMMAND or etcd://)')
  // The file helper needs no CA bundle; Node 20 parses NODE_EXTRA_CA_CERTS at start-up (~60 ms here).
  const h = builtinHelper('file-helper')
  const args = [...h.args, v]
  if (opts.recheckIntervalS !== undefined) {
    if (!(opts.recheckIntervalS > 0)) throw new RangeError(`Expected recheckIntervalS > 0, got ${opts.recheckIntervalS}`)
    args.push(String(opts.recheckIntervalS))
  }
  return { kind: 'file', file: h.file, args, env: { NODE_EXTRA_CA_CERTS: undefined } }
}
