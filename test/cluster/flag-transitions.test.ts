import t from 'tap'
import {
  NODE_FLAGS_DISCONNECTED as DISC, NODE_FLAGS_UNHEALTHY as UNH, NODE_FLAGS_PERMANENTLY_DISABLED as DIS,
  NODE_FLAGS_BANNED as BAN, NODE_FLAGS_DELETED as DEL, NODE_FLAGS_STOPPED as STOP, applyFlagChange, Runstate,
} from '../../engine/cluster/index.js'
import type { FlagChange, FlagState } from '../../engine/cluster/index.js'

// This node is 0; node 1 is connected and OK, node 2 is disconnected, node 3 is deleted.
const base: FlagState = { self: 0, flags: [0, 0, DISC | UNH, DEL] }
const selfUnhealthy: FlagState = { self: 0, flags: [UNH, 0, DISC | UNH, DEL] }

interface Case {
  name: string
  state?: FlagState
  change: FlagChange
  outcome: 'changed' | 'unchanged' | 'ignored' | 'refused'
  flags?: number[]
  effects?: string[]
  text?: string
}

const cases: Case[] = [
  // transport: DISCONNECTED is always this node's own view
  { name: 'a link going down marks the peer DISCONNECTED and UNHEALTHY', change: { kind: 'link', pnn: 1, up: false }, outcome: 'changed', flags: [0, DISC | UNH, DISC | UNH, DEL], effects: ['takeover-run'] },
  { name: 'a link coming up clears only DISCONNECTED (true flags come from the peer)', change: { kind: 'link', pnn: 2, up: true }, outcome: 'changed', flags: [0, 0, UNH, DEL], effects: ['takeover-run'] },
  { name: 'a link going down twice changes nothing the second time', change: { kind: 'link', pnn: 2, up: false }, outcome: 'unchanged' },
  { name: 'a link about this node itself is refused', change: { kind: 'link', pnn: 0, up: false }, outcome: 'refused', text: 'a node has no link to itself' },
  { name: 'a link to an unknown PNN is refused', change: { kind: 'link', pnn: 9, up: true }, outcome: 'refused', text: 'Node 9 is invalid' },
  { name: 'a link to a deleted node is ignored', change: { kind: 'link', pnn: 3, up: true }, outcome: 'ignored' },
  // monitor: UNHEALTHY of this node
  { name: 'a passing monitor clears UNHEALTHY and pushes the flags', state: selfUnhealthy, change: { kind: 'monitor', healthy: true }, outcome: 'changed', flags: [0, 0, DISC | UNH, DEL], effects: ['push-flags', 'takeover-run'] },
  { name: 'a failing monitor sets UNHEALTHY', change: { kind: 'monitor', healthy: false }, outcome: 'changed', flags: [UNH, 0, DISC | UNH, DEL], effects: ['push-flags', 'takeover-run'] },
  { name: 'a passing monitor on a healthy node changes nothing', change: { kind: 'monitor', healthy: true }, outcome: 'unchanged' },
  // admin requests, applied by the target node to itself
  { name: 'disable sets DISABLED', change: { kind: 'admin', op: 'disable' }, outcome: 'changed', flags: [DIS, 0, DISC | UNH, DEL], effects: ['push-flags', 'takeover-run'] },
  { name: 'disable on a disabled node says so and changes nothing', state: { self: 0, flags: [DIS] }, change: { kind: 'admin', op: 'disable' }, outcome: 'unchanged', text: 'Node 0 is already disabled' },
  { name: 'enable on an enabled node says it is not disabled', change: { kind: 'admin', op: 'enable' }, outcome: 'unchanged', text: 'Node 0 is not disabled' },
  { name: 'stop makes this node inactive', change: { kind: 'admin', op: 'stop' }, outcome: 'changed', flags: [STOP, 0, DISC | UNH, DEL], effects: ['push-flags', 'became-inactive', 'takeover-run'] },
  { name: 'continue makes a stopped node active again', state: { self: 0, flags: [STOP] }, change: { kind: 'admin', op: 'continue' }, outcome: 'changed', flags: [0], effects: ['push-flags', 'became-active', 'takeover-run'] },
  { name: 'ban makes this node inactive', change: { kind: 'admin', op: 'ban' }, outcome: 'changed', flags: [BAN, 0, DISC | UNH, DEL], effects: ['push-flags', 'became-inactive', 'takeover-run'] },
  { name: 'ban with EnableBans=0 is ignored', change: { kind: 'admin', op: 'ban', bansEnabled: false }, outcome: 'ignored' },
  { name: 'unban works even with EnableBans=0', state: { self: 0, flags: [BAN] }, change: { kind: 'admin', op: 'unban', bansEnabled: false }, outcome: 'changed', flags: [0], effects: ['push-flags', 'became-active', 'takeover-run'] },
  { name: 'unban of a stopped and banned node leaves it inactive', state: { self: 0, flags: [BAN | STOP] }, change: { kind: 'admin', op: 'unban' }, outcome: 'changed', flags: [STOP], effects: ['push-flags', 'takeover-run'] },
  { name: 'start as stopped and disabled sets both', change: { kind: 'start', disabled: true, stopped: true }, outcome: 'changed', flags: [DIS | STOP, 0, DISC | UNH, DEL], effects: ['push-flags', 'became-inactive', 'takeover-run'] },
  // peers (MODIFY_FLAGS)
  { name: 'a peer\'s push about another node is adopted', change: { kind: 'peer', pnn: 1, flags: DIS }, outcome: 'changed', flags: [0, DIS, DISC | UNH, DEL], effects: ['takeover-run'] },
  { name: 'a peer cannot change this node\'s flags', change: { kind: 'peer', pnn: 0, flags: BAN }, outcome: 'ignored', text: 'this node is authoritative for its own flags' },
  { name: 'a peer\'s push about a node this node sees disconnected is ignored', change: { kind: 'peer', pnn: 2, flags: 0 }, outcome: 'ignored' },
  { name: 'a peer cannot mark a connected node DISCONNECTED', change: { kind: 'peer', pnn: 1, flags: DISC | UNH }, outcome: 'changed', flags: [0, UNH, DISC | UNH, DEL], effects: ['takeover-run'] },
  { name: 'a peer becoming OK while this node starts forces recovery', state: { self: 0, flags: [UNH, UNH] }, change: { kind: 'peer', pnn: 1, flags: 0, localRunstate: Runstate.STARTUP }, outcome: 'changed', flags: [UNH, 0], effects: ['takeover-run', 'force-recovery'] },
  { name: 'a peer becoming OK once this node runs forces nothing', state: { self: 0, flags: [0, UNH] }, change: { kind: 'peer', pnn: 1, flags: 0, localRunstate: Runstate.RUNNING }, outcome: 'changed', flags: [0, 0], effects: ['takeover-run'] },
  { name: 'a peer push about an unknown PNN is refused', change: { kind: 'peer', pnn: 7, flags: 0 }, outcome: 'refused' },
  // nodes file
  { name: 'commenting out a disconnected node deletes it', change: { kind: 'nodes-file', pnn: 2, deleted: true }, outcome: 'changed', flags: [0, 0, DEL, DEL], effects: ['takeover-run'] },
  { name: 'commenting out a connected node is refused', change: { kind: 'nodes-file', pnn: 1, deleted: true }, outcome: 'refused', text: 'Node 1 is still connected' },
  { name: 'this node cannot delete itself', change: { kind: 'nodes-file', pnn: 0, deleted: true }, outcome: 'refused' },
  { name: 'uncommenting a deleted node brings it back disconnected', change: { kind: 'nodes-file', pnn: 3, deleted: false }, outcome: 'changed', flags: [0, 0, DISC | UNH, DISC | UNH], effects: ['takeover-run'] },
  { name: 'an appended node starts disconnected', change: { kind: 'nodes-file', pnn: 4, deleted: false }, outcome: 'changed', flags: [0, 0, DISC | UNH, DEL, DISC | UNH] },
  { name: 'undeleting a node that is not deleted changes nothing', change: { kind: 'nodes-file', pnn: 1, deleted: false }, outcome: 'unchanged' },
]

for (const c of cases) {
  t.test(c.name, async t => {
    const state = c.state ?? base
    const before = JSON.stringify(state)
    const r = applyFlagChange(state, c.change)
    t.equal(r.outcome, c.outcome)
    t.equal(JSON.stringify(state), before, 'the input state is not mutated')
    if (r.outcome === 'changed') {
      if (c.flags !== undefined) t.same(r.state.flags, c.flags)
      if (c.effects !== undefined) t.same(r.effects, c.effects)
    }
    if (c.text !== undefined) {
      const text = r.outcome === 'unchanged' ? r.message : r.outcome === 'changed' ? undefined : r.reason
      t.equal(text, c.text)
    }
  })
}
