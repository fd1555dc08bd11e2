// The cluster-wide "these nodes may host addresses" setting (`corral ip hosts set|clear`), kept in
// each node's state dir so a new leader, or a restarted node, still knows it.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'

export interface IpSettings { restricted: boolean, hosts: number[] }

// Why: a damaged file must not stop the daemon; it is reported and ignored (all nodes may host).
export function loadIpSettings (file: string): IpSettings {
  if (!existsSync(file)) return { restricted: false, hosts: [] }
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as Partial<IpSettings>
    if (typeof v.restricted === 'boolean' && Array.isArray(v.hosts) && v.hosts.every(h => Number.isInteger(h) && h >= 0)) return { restricted: v.restricted, hosts: v.hosts }
  } catch {}
  process.emitWarning(`${file}: not an ip settings file; ignoring it (every node may host)`)
  return { restricted: false, hosts: [] }
}

// Why: written whole and renamed, so a crash never leaves half a file.
export function saveIpSettings (file: string, s: IpSettings): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(s))
  renameSync(`${file}.tmp`, file)
}
