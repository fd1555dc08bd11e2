// What feeds the notification log: the cluster member's typed events, turned into entries, and
// this node's health and lifecycle states handed to the notification script.
import { NODE_FLAGS_UNHEALTHY } from '../cluster/flags.js'
import type { ClusterNode } from '../cluster/node/index.js'
import type { NotificationLog } from './log.js'
import type { NotificationScript, NotificationState } from './script.js'

/** Entry types of the log; the fields of each are in docs/notifications.md. */
export const NOTIFICATION_TYPES = [
  'daemon:state', 'node:flags', 'node:health', 'node:connected', 'node:disconnected', 'leader:elected',
  'recovery:started', 'recovery:finished', 'takeover:done', 'ip:taken', 'ip:released', 'service:degraded',
] as const

// Why: one listener per cluster event keeps the log's order the order the events happened in.
export function feedFromNode (node: ClusterNode, log: NotificationLog, script: NotificationScript | null): () => void {
  const e = node.events
  const offs = [
    e.on('flags:changed', f => {
      log.add('node:flags', { pnn: f.pnn, old: f.old, new: f.flags })
      if (((f.old ^ f.flags) & NODE_FLAGS_UNHEALTHY) === 0) return
      const healthy = (f.flags & NODE_FLAGS_UNHEALTHY) === 0
      log.add('node:health', { pnn: f.pnn, healthy })
      // CTDB runs notify.sh healthy/unhealthy for its own node's health only.
      if (f.pnn === node.pnn) script?.notify(healthy ? 'healthy' : 'unhealthy')
    }),
    e.on('node:connected', c => { log.add('node:connected', { pnn: c.pnn }) }),
    e.on('node:disconnected', d => { log.add('node:disconnected', { pnn: d.pnn, why: d.why }) }),
    e.on('leader:elected', l => { log.add('leader:elected', { pnn: l.pnn }) }),
    e.on('recovery:started', r => { log.add('recovery:started', { generation: r.generation, leader: r.leader }) }),
    e.on('generation:changed', g => { log.add('recovery:finished', { generation: g.generation }) }),
    e.on('takeover:done', t => { log.add('takeover:done', { generation: t.generation, reason: t.reason, ms: t.ms, moved: t.moved }) }),
    e.on('ip:taken', i => { log.add('ip:taken', { pnn: node.pnn, ip: i.ip, iface: i.iface }) }),
    e.on('ip:released', i => { log.add('ip:released', { pnn: node.pnn, ip: i.ip, iface: i.iface }) }),
    e.on('service:degraded', d => { log.add('service:degraded', { pnn: node.pnn, degraded: d.reason !== '', reason: d.reason }) }),
  ]
  return () => { for (const off of offs) off() }
}

// Why: init, setup and startup follow the legacy events as in ctdbd: init before its event,
// setup and startup once theirs succeeded.
export function lifecycleState (event: string, state: string | null): NotificationState | null {
  if (event === 'init' && state === null) return 'init'
  if ((event === 'setup' || event === 'startup') && state === 'OK') return event
  return null
}

/** Record a daemon state in the log and hand it to the script. */
export function daemonState (s: NotificationState, log: NotificationLog, script: NotificationScript | null): void {
  log.add('daemon:state', { state: s })
  script?.notify(s)
}
