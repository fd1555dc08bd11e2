// The requests behind `corral ip`, `ipinfo`, `ifaces`, `moveip`, `addip`, `delip`, `reloadips`,
// `setifacelink`, `ipreallocate`, `ip hosts` and `notify`, and the takeover steps the leader sends.
import { IpAdminRequestSchema, IpListRequestSchema, IpSettingsRequestSchema, IpStepRequestSchema, TakeoverRunRequestSchema } from '../../../protocol/gen/corral/v1/ip_pb.js'
import { CorralError } from '../../errors/index.js'
import { canonicalIp, IFACE_RE, requireAddress } from '../../ip/index.js'
import { handle, type HandlerEntry } from '../../transport/handlers.js'
import type { ClusterNode } from './node.js'

// Why: node links only: steps of a takeover run and the hosting setting pushed by another node.
export function ipPeerHandlers (node: ClusterNode): HandlerEntry[] {
  return [
    handle(IpStepRequestSchema, async r => ({ done: await node.failover.step(r.op, canonicalIp(r.ip), r.newOwner, r.generation, r.leader) })),
    handle(IpSettingsRequestSchema, r => {
      node.failover.applySettings({ restricted: r.restricted, hosts: [...r.hosts] })
      return {}
    }),
  ]
}

// Why: served on the control socket and, through `-n`, on the links.
export function ipControlHandlers (node: ClusterNode): HandlerEntry[] {
  const f = node.failover
  return [
    handle(IpListRequestSchema, async r => {
      const list = await f.ips.list(r.availableOnly)
      return {
        pnn: node.pnn,
        ips: list.map(v => ({ ip: v.ip, maskbits: v.maskbits, ifaces: v.ifaces, owner: v.owner, iface: v.iface ?? '', availableIfaces: v.available, deletePending: v.deletePending })),
        ifaces: await f.ips.interfaces(),
      }
    }),
    handle(TakeoverRunRequestSchema, async r => {
      if (r.dryRun) return { generation: node.generation, assignments: await f.plan() }
      const rec = await f.request(r.reason === '' ? 'requested' : r.reason, [...r.rebalance])
      return { generation: rec.generation, moved: rec.moved, ms: rec.ms }
    }),
    handle(IpAdminRequestSchema, async r => ({ message: await ipAdmin(node, r) })),
  ]
}

type AdminReq = { op: string, ip: string, maskbits: number, iface: string, pnn: number, up: boolean, pnns: number[], reason: string }

async function ipAdmin (node: ClusterNode, r: AdminReq): Promise<string> {
  const f = node.failover
  const me = `Node ${node.pnn}`
  const needIp = (): string => canonicalIp(requireAddress(r.ip))
  switch (r.op) {
    case 'addip': {
      const ip = needIp()
      const max = ip.includes(':') ? 128 : 32
      if (r.maskbits < 1 || r.maskbits > max) throw new CorralError('CORRAL_E_USAGE', `mask /${r.maskbits} must be 1-${max}`)
      if (!IFACE_RE.test(r.iface)) throw new CorralError('CORRAL_E_USAGE', `'${r.iface}' is not an interface name`)
      if (!f.ips.add({ ip, maskbits: r.maskbits, ifaces: [r.iface] })) return `${me} already knows IP ${ip}`
      node.log.notice({ ip, iface: r.iface }, `added public address ${ip}/${r.maskbits} on ${r.iface} (runtime only)`)
      await f.request(`addip ${ip} on node ${node.pnn}`, [node.pnn])
      return ''
    }
    case 'delip': {
      const ip = needIp()
      const res = f.ips.remove(ip)
      if (res === 'unknown') return `${me} does not know IP ${ip}`
      node.log.notice({ ip }, `deleted public address ${ip}${res === 'pending' ? ' (held here: released at the takeover run)' : ''}`)
      if (res === 'pending') await f.request(`delip ${ip} on node ${node.pnn}`)
      return ''
    }
    case 'reloadips': {
      const d = f.ips.reload()
      node.log.notice(d, `public addresses reloaded: ${d.added.length} added, ${d.removed.length} removed`)
      if (d.added.length + d.removed.length > 0) await f.request(`reloadips on node ${node.pnn}`, d.added.length > 0 ? [node.pnn] : [])
      return d.added.length + d.removed.length === 0 ? `${me}: no change to public addresses` : ''
    }
    case 'setifacelink': {
      if (!f.ips.adminLink.has(r.iface)) throw new CorralError('CORRAL_E_USAGE', `interface ${r.iface} is not used by any public address of node ${node.pnn}`)
      if (f.ips.adminLink.get(r.iface) === r.up) return ''
      f.ips.adminLink.set(r.iface, r.up)
      node.log.notice({ iface: r.iface, up: r.up }, `interface ${r.iface} link set ${r.up ? 'up' : 'down'}`)
      await f.request(`interface ${r.iface} ${r.up ? 'up' : 'down'} on node ${node.pnn}`)
      return ''
    }
    case 'moveip': return await f.move(needIp(), r.pnn)
    case 'hosts-set':
    case 'hosts-clear': {
      const hosts = r.op === 'hosts-clear' ? null : [...new Set(r.pnns)]
      const bad = hosts?.find(p => p >= node.nodes.length)
      if (bad !== undefined) throw new CorralError('CORRAL_E_USAGE', `node ${bad} is not in the nodes file`)
      await f.setHosts(hosts)
      await f.request(hosts === null ? 'ip hosts clear' : `ip hosts set ${hosts.join(',')}`)
      return ''
    }
    case 'health': return node.externalHealth(r.up, r.reason)
    default: throw new CorralError('CORRAL_E_USAGE', `unknown ip operation ${r.op}`)
  }
}
