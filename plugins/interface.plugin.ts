// The built-in interface plugin (CTDB's 10.interface): puts public addresses on interfaces and takes
// them off with `ip addr`, announces a taken address with gratuitous ARP (IPv4, 3 times 1.1 s apart,
// as CTDB) or an unsolicited neighbour advertisement (IPv6), and kills the connections of a released
// address so none survives on the old holder. Enable it in the legacy component:
//   corral event script enable legacy 10.interface      (it ships in corral's events.d/legacy)
import { spawn } from 'node:child_process'
import { definePlugin } from 'corral/plugin'
import { staleGeneration } from 'corral/services'

const GARP_COUNT = 3
const GARP_INTERVAL_MS = 1100
/** Pending announcements per address, cancelled when the address is released. */
const announcing = new Map<string, NodeJS.Timeout[]>()
let warned = false

function cancel (ip: string): void {
  for (const t of announcing.get(ip) ?? []) clearTimeout(t)
  announcing.delete(ip)
}

export default definePlugin({
  name: 'interface',
  options: {
    INTERFACES: { description: 'comma-separated interfaces whose link the monitor checks (empty: none; the daemon checks the links of address interfaces itself)', default: '' },
    PARTIALLY_ONLINE: { description: '`yes`: the monitor fails only when every listed interface is down (CTDB_PARTIALLY_ONLINE_INTERFACES)', default: 'no' },
    ARPING: { description: 'gratuitous ARP sender, run as `ARPING -q -U -c 1 -I IFACE IP` (package iputils-arping)', default: 'arping' },
    KILL_CONNECTIONS: { description: '`yes`: on release, kill TCP connections of the address with `ss -K` (CTDB_KILLTCP_USE_SS_KILL)', default: 'yes' },
  },
  events: {
    async takeip (ctx, { iface, ip, maskbits }) {
      if (ctx.generation === 0) ctx.log.warn('no cluster generation given: acting without fencing')
      // A takeip from before a recovery would undo the newer takeover run's placement.
      const stale = staleGeneration(ctx)
      if (stale !== null) return { ok: false, reason: stale }
      const link = await ctx.$`ip -o link show dev ${iface}`.nothrow()
      if (link.exitCode !== 0) return { ok: false, reason: `interface ${iface} does not exist` }
      const v6 = ip.includes(':')
      await keepSecondaries(ctx, iface, v6)
      const add = await ctx.$`ip addr add ${ip}/${maskbits} dev ${iface} ${v6 ? ['nodad'] : []}`.nothrow()
      if (add.exitCode !== 0 && !/exists|already assigned/i.test(add.stderr)) return { ok: false, reason: `ip addr add ${ip}/${maskbits} dev ${iface}: ${add.stderr.trim()}` }
      await ctx.$`ip link set ${iface} up`.nothrow()
      ctx.log.info('%s/%d on %s (generation %d)', ip, maskbits, iface, ctx.generation)
      announce(ctx, iface, ip, v6)
    },
    async releaseip (ctx, { iface, ip, maskbits }) {
      const stale = staleGeneration(ctx)
      if (stale !== null) return { ok: false, reason: stale }
      cancel(ip)
      const del = await ctx.$`ip addr del ${ip}/${maskbits} dev ${iface}`.nothrow()
      if (del.exitCode !== 0 && !/Cannot assign|not found|No such/i.test(del.stderr)) return { ok: false, reason: `ip addr del ${ip}/${maskbits} dev ${iface}: ${del.stderr.trim()}` }
      // Connections must not live on after a release (ACK storms when the address comes back).
      if (ctx.options.KILL_CONNECTIONS === 'yes') await ctx.$`ss -K src ${ip}`.nothrow()
      ctx.log.info('%s/%d off %s (generation %d)', ip, maskbits, iface, ctx.generation)
    },
    async updateip (ctx, { oldIface, newIface, ip, maskbits }) {
      cancel(ip)
      const v6 = ip.includes(':')
      await keepSecondaries(ctx, newIface, v6)
      const add = await ctx.$`ip addr add ${ip}/${maskbits} dev ${newIface} ${v6 ? ['nodad'] : []}`.nothrow()
      if (add.exitCode !== 0 && !/exists|already assigned/i.test(add.stderr)) return { ok: false, reason: `ip addr add ${ip}/${maskbits} dev ${newIface}: ${add.stderr.trim()}` }
      if (oldIface !== newIface) await ctx.$`ip addr del ${ip}/${maskbits} dev ${oldIface}`.nothrow()
      ctx.log.info('%s/%d moved from %s to %s', ip, maskbits, oldIface, newIface)
      announce(ctx, newIface, ip, v6)
    },
    async monitor (ctx) {
      const names = ctx.options.INTERFACES.split(',').map(s => s.trim()).filter(s => s !== '')
      if (names.length === 0) return
      const down: string[] = []
      for (const n of names) {
        const r = await ctx.$`ip -o link show dev ${n}`.nothrow()
        if (r.exitCode !== 0 || !/[<,]LOWER_UP[,>]/.test(r.stdout)) down.push(n)
      }
      if (down.length === 0) return
      if (ctx.options.PARTIALLY_ONLINE === 'yes' && down.length < names.length) return { status: 'degraded', reason: `interface(s) ${down.join(',')} down; others up` }
      return { ok: false, reason: `interface(s) ${down.join(',')} down` }
    },
  },
})

// Linux deletes every address of a subnet with its first ("primary") one unless promote_secondaries
// is on, so releasing one public address would silently drop the others (CTDB sets it too).
async function keepSecondaries (ctx: { $: import('zx').Shell }, iface: string, v6: boolean): Promise<void> {
  if (v6) return
  await ctx.$`sysctl -q -w net.ipv4.conf.${iface}.promote_secondaries=1`.nothrow()
}

// IPv4: arping now and twice more, in the background (arping takes a second per send, and a take
// must not wait for it; the plugin host lives on, so the timers do too). IPv6: the kernel sends the
// unsolicited NA as the address is added once ndisc_notify is on for the interface.
function announce (ctx: { $: import('zx').Shell, options: Record<string, string | undefined> }, iface: string, ip: string, v6: boolean): void {
  cancel(ip)
  if (v6) {
    void ctx.$`sysctl -q -w net.ipv6.conf.${iface}.ndisc_notify=1`.nothrow()
    return
  }
  const arping = ctx.options.ARPING ?? 'arping'
  const send = (): void => {
    const child = spawn(arping, ['-q', '-U', '-c', '1', '-I', iface, ip], { stdio: 'ignore' })
    child.on('error', err => { if (!warned) { warned = true; process.stderr.write(`interface plugin: cannot run ${arping}: ${err.message}; no gratuitous ARP is sent\n`) } })
  }
  send()
  const timers: NodeJS.Timeout[] = []
  for (let i = 1; i < GARP_COUNT; i++) timers.push(setTimeout(send, i * GARP_INTERVAL_MS))
  announcing.set(ip, timers)
}
