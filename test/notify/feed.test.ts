import t from 'tap'
import { TypedEmitter } from '../../engine/events/emitter.js'
import type { ClusterEvents, ClusterNode } from '../../engine/cluster/node/index.js'
import { feedFromNode, NotificationLog, NOTIFICATION_TYPES } from '../../engine/notify/index.js'

// Only what the feed reads of a cluster member: its PNN and its typed events.
const fakeNode = (pnn: number): { node: ClusterNode, events: TypedEmitter<ClusterEvents> } => {
  const events = new TypedEmitter<ClusterEvents>()
  return { node: { pnn, events } as unknown as ClusterNode, events }
}

t.test('a monitor turning DEGRADED, changing its reason and recovering are three service:degraded entries, in order', async t => {
  const { node, events } = fakeNode(2)
  const log = new NotificationLog()
  const off = feedFromNode(node, log, null)
  events.emit('service:degraded', { reason: '50.samba: smbd answers in 900 ms' })
  events.emit('flags:changed', { pnn: 1, old: 0, flags: 2 })
  events.emit('service:degraded', { reason: '50.samba: winbindd restarted' })
  events.emit('service:degraded', { reason: '' })
  off()
  events.emit('service:degraded', { reason: 'after off: not logged' })
  const entries = log.replay(0).entries.map(e => [e.type, e.fields])
  t.same(entries, [
    ['service:degraded', { pnn: 2, degraded: true, reason: '50.samba: smbd answers in 900 ms' }],
    ['node:flags', { pnn: 1, old: 0, new: 2 }],
    ['node:health', { pnn: 1, healthy: false }],
    ['service:degraded', { pnn: 2, degraded: true, reason: '50.samba: winbindd restarted' }],
    ['service:degraded', { pnn: 2, degraded: false, reason: '' }],
  ])
  t.ok(NOTIFICATION_TYPES.includes('service:degraded'), 'listed among the entry types')
})
