import t from 'tap'
import { Runstate, RecoveryMode, runstateName, parseRunstate, canTransition, eventOnEnter, eventAllowed } from '../../engine/cluster/index.js'
import { EVENT_NAMES } from '../../engine/events/types.js'

t.test('runstates have CTDB\'s numbers and names', async t => {
  t.same(Object.entries(Runstate), [['UNKNOWN', 0], ['INIT', 1], ['SETUP', 2], ['FIRST_RECOVERY', 3], ['STARTUP', 4], ['RUNNING', 5], ['SHUTDOWN', 6]])
  t.equal(runstateName(Runstate.FIRST_RECOVERY), 'FIRST_RECOVERY')
  t.equal(parseRunstate('first_recovery'), Runstate.FIRST_RECOVERY)
  t.equal(parseRunstate(' Running '), Runstate.RUNNING)
  t.equal(parseRunstate('walking'), undefined)
})

const moves: Array<[Runstate, Runstate, boolean]> = [
  [Runstate.UNKNOWN, Runstate.INIT, true],
  [Runstate.INIT, Runstate.SETUP, true],
  [Runstate.SETUP, Runstate.FIRST_RECOVERY, true],
  [Runstate.FIRST_RECOVERY, Runstate.STARTUP, true],
  [Runstate.STARTUP, Runstate.RUNNING, true],
  [Runstate.INIT, Runstate.SHUTDOWN, true],
  [Runstate.RUNNING, Runstate.SHUTDOWN, true],
  [Runstate.INIT, Runstate.STARTUP, false],
  [Runstate.RUNNING, Runstate.STARTUP, false],
  [Runstate.SHUTDOWN, Runstate.SHUTDOWN, false],
  [Runstate.SHUTDOWN, Runstate.INIT, false],
  [Runstate.RUNNING, Runstate.RUNNING, false],
]
for (const [from, to, ok] of moves) {
  t.test(`${runstateName(from)} -> ${runstateName(to)} is ${ok ? 'allowed' : 'refused'}`, async t => { t.equal(canTransition(from, to), ok) })
}

t.test('entering INIT, SETUP, STARTUP and SHUTDOWN fires init, setup, startup and shutdown', async t => {
  t.same(eventOnEnter(Runstate.INIT), { event: 'init', onFailure: 'exit' })
  t.same(eventOnEnter(Runstate.SETUP), { event: 'setup', onFailure: 'exit' })
  t.same(eventOnEnter(Runstate.STARTUP), { event: 'startup', onFailure: 'retry', next: Runstate.RUNNING })
  t.same(eventOnEnter(Runstate.SHUTDOWN), { event: 'shutdown', onFailure: 'ignore' })
  t.equal(eventOnEnter(Runstate.FIRST_RECOVERY), undefined)
  t.equal(eventOnEnter(Runstate.RUNNING), undefined)
})

t.test('in recovery mode ACTIVE only CTDB\'s seven events may run; in NORMAL all may', async t => {
  const allowed = EVENT_NAMES.filter(e => eventAllowed(e, RecoveryMode.ACTIVE))
  t.same(allowed.sort(), ['init', 'ipreallocated', 'releaseip', 'setup', 'shutdown', 'startipreallocate', 'startrecovery'])
  t.ok(EVENT_NAMES.every(e => eventAllowed(e, RecoveryMode.NORMAL)))
})
