// Where a node looks to see which addresses it really holds: the kernel's interfaces (`ip -j addr`)
// or, in a one-host test cluster, a record in the node's state dir that takes and releases update.
import { execFile } from 'node:child_process'
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { isIPv6 } from 'node:net'
import { CorralError } from '../errors/index.js'

/** What holds addresses: answers "which addresses are on which interface" and "is this link up". */
export interface AddressBackend {
  readonly kind: 'kernel' | 'recorded'
  /** Canonical address → interface it is on. */
  present (): Promise<Map<string, string>>
  /** Link state per interface name; a missing interface is absent from the map. */
  links (): Promise<Map<string, boolean>>
  /** Recorded mode: note that a takeip/updateip put the address on `iface`. The kernel backend ignores it. */
  recordTake (ip: string, iface: string): void
  /** Recorded mode: note that a releaseip removed the address. */
  recordRelease (ip: string): void
}

// Why: `fe80::0001` and `fe80::1` are one address; every map in engine/ip is keyed by this form.
export function canonicalIp (ip: string): string {
  if (!isIPv6(ip) || ip.includes('%')) return ip
  return new URL(`http://[${ip}]/`).hostname.slice(1, -1)
}

interface IpAddrJson { ifname: string, operstate?: string, flags?: string[], addr_info?: Array<{ family: string, local: string, prefixlen: number }> }

function ipJson (args: string[]): Promise<IpAddrJson[]> {
  return new Promise((resolve, reject) => {
    execFile('ip', ['-j', ...args], { timeout: 5000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err !== null) { reject(new CorralError('CORRAL_E_INTERNAL', `ip -j ${args.join(' ')} failed: ${stderr.trim() || err.message}`, { cause: err })); return }
      try {
        resolve(JSON.parse(stdout === '' ? '[]' : stdout) as IpAddrJson[])
      } catch (e) {
        reject(new CorralError('CORRAL_E_INTERNAL', `ip -j ${args.join(' ')} printed something that is not JSON: ${(e as Error).message}`))
      }
    })
  })
}

// Why: the real check: what `ip addr` shows in this node's network namespace.
export function kernelBackend (): AddressBackend {
  return {
    kind: 'kernel',
    async present () {
      const out = new Map<string, string>()
      for (const l of await ipJson(['addr', 'show'])) {
        for (const a of l.addr_info ?? []) if (a.family === 'inet' || a.family === 'inet6') out.set(canonicalIp(a.local), l.ifname)
      }
      return out
    },
    async links () {
      const out = new Map<string, boolean>()
      // LOWER_UP: the carrier is there; UP alone is only the admin state.
      for (const l of await ipJson(['link', 'show'])) out.set(l.ifname, (l.flags ?? []).includes('UP') && (l.flags ?? []).includes('LOWER_UP'))
      return out
    },
    recordTake () {},
    recordRelease () {},
  }
}

// Why: all nodes of `corral local start` share one network stack, so each keeps its own record.
export function recordedBackend (file: string): AddressBackend {
  let held = new Map<string, string>()
  if (existsSync(file)) {
    try {
      held = new Map(Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>))
    } catch (err) {
      throw new CorralError('CORRAL_E_INTERNAL', `not a recorded-addresses file (${(err as Error).message}); remove it to start empty`, { place: { file } })
    }
  }
  const save = (): void => {
    writeFileSync(`${file}.tmp`, JSON.stringify(Object.fromEntries(held), null, 1))
    renameSync(`${file}.tmp`, file)
  }
  return {
    kind: 'recorded',
    async present () { return new Map(held) },
    async links () { return new Map() },
    recordTake (ip, iface) { held.set(canonicalIp(ip), iface); save() },
    recordRelease (ip) { if (held.delete(canonicalIp(ip))) save() },
  }
}
