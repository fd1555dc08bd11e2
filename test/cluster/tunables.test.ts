import t from 'tap'
import { TUNABLES, defaultTunables, getvar, setvar, listvars, parseTunables, parseTunableValue } from '../../engine/cluster/index.js'
import { isCorralError } from '../../engine/errors/index.js'

function caught (fn: () => unknown): unknown {
  try { fn() } catch (err) { return err }
  return undefined
}

const CTDB_ORDER = 'SeqnumInterval ControlTimeout TraverseTimeout KeepaliveInterval KeepaliveLimit RecoverTimeout RecoverInterval ElectionTimeout TakeoverTimeout MonitorInterval TickleUpdateInterval EventScriptTimeout MonitorTimeoutCount RecoveryGracePeriod RecoveryBanPeriod DatabaseHashSize DatabaseMaxDead RerecoveryTimeout EnableBans NoIPFailback VerboseMemoryNames RecdPingTimeout RecdFailCount LogLatencyMs RecLockLatencyMs RecoveryDropAllIPs VacuumInterval VacuumMaxRunTime RepackLimit VacuumFastPathCount MaxQueueDropMsg AllowUnhealthyDBRead StatHistoryInterval DeferredAttachTO AllowClientDBAttach FetchCollapse HopcountMakeSticky StickyDuration StickyPindown NoIPTakeover DBRecordCountWarn DBRecordSizeWarn DBSizeWarn PullDBPreallocation LockProcessesPerDB RecBufferSizeLimit QueueBufferSize IPAllocAlgorithm AllowMixedVersions'.split(' ')

t.test('listvars lists CTDB\'s 49 tunables in CTDB\'s order, then corral\'s own', async t => {
  t.same(TUNABLES.filter(s => s.origin === 'ctdb').map(s => s.name), CTDB_ORDER)
  t.same(TUNABLES.filter(s => s.origin === 'corral').map(s => s.name), ['HeartbeatIntervalMs', 'HeartbeatLimit', 'MonitorRise', 'MonitorFall'])
  t.same(TUNABLES.slice(0, 49).map(s => s.name), CTDB_ORDER, 'corral\'s come after CTDB\'s')
  const text = listvars(defaultTunables())
  t.equal(text.split('\n')[0], 'SeqnumInterval             = 1000')
  t.match(text, /^KeepaliveInterval          = 5$/m)
  t.match(text, /^RecoverTimeout             = 30$/m)
  t.match(text, /^DBSizeWarn                 = 100000000$/m)
  t.match(text, /^HeartbeatIntervalMs        = 250$/m)
})

t.test('MonitorTimeoutCount keeps CTDB\'s name but defaults to 3 (CTDB: 20)', async t => {
  const spec = TUNABLES.find(s => s.name === 'MonitorTimeoutCount')
  t.equal(spec?.default, 3)
  t.equal(spec?.ctdbDefault, 20)
})

t.test('getvar is case-insensitive and prints the name as typed', async t => {
  t.same(getvar(defaultTunables(), 'keepaliveinterval'), { name: 'KeepaliveInterval', value: 5, line: 'keepaliveinterval          = 5' })
})

t.test('getvar and setvar of an unknown name fail with "No such tunable NAME"', async t => {
  for (const fn of [() => getvar(defaultTunables(), 'Nope'), () => setvar(defaultTunables(), 'Nope', '1')]) {
    const err = caught(fn)
    t.ok(isCorralError(err, 'CORRAL_E_CONFIG_UNKNOWN_KEY'))
    t.equal((err as Error).message, 'No such tunable Nope')
  }
})

t.test('setvar of an obsolete tunable warns and changes nothing', async t => {
  const before = defaultTunables()
  const r = setvar(before, 'disableipfailover', '1')
  t.equal(r.warning, "Setting obsolete tunable variable 'disableipfailover'")
  t.equal(r.tunables, before)
})

t.test('setvar returns new frozen tunables and leaves the old ones alone', async t => {
  const before = defaultTunables()
  const r = setvar(before, 'monitorinterval', '0x1e')
  t.equal(r.tunables.MonitorInterval, 30)
  t.equal(before.MonitorInterval, 15)
  t.ok(Object.isFrozen(r.tunables))
  t.equal(r.warning, undefined)
  t.match(setvar(before, 'KeepaliveLimit', '3').warning, /no effect in corral/)
})

const values: Array<[string, number | undefined]> = [['0', 0], ['15', 15], ['0x10', 16], ['010', 8], ['4294967295', 4294967295], ['4294967296', undefined], ['-1', undefined], ['1.5', undefined], ['', undefined], ['12abc', undefined], ['08', undefined]]
for (const [text, want] of values) {
  t.test(`the value "${text}" parses as ${String(want)}`, async t => { t.equal(parseTunableValue(text), want) })
}

t.test('setvar rejects bad values and values under a corral minimum', async t => {
  t.match((caught(() => setvar(defaultTunables(), 'EnableBans', 'yes')) as Error).message, /Invalid value "yes" for tunable "EnableBans"/)
  const err = caught(() => setvar(defaultTunables(), 'HeartbeatLimit', '1'))
  t.ok(isCorralError(err, 'CORRAL_E_CONFIG_VALUE'))
  t.match((err as Error).message, /must be at least 2/)
})

t.test('a tunables file sets values by NAME=VALUE with comments and blanks', async t => {
  const tun = parseTunables('# site tunables\n\n MonitorInterval = 5\n;x\nheartbeatlimit=10\n', 'site.tunables')
  t.equal(tun.MonitorInterval, 5)
  t.equal(tun.HeartbeatLimit, 10)
  t.equal(tun.RecoverTimeout, 30)
})

t.test('every bad line of a tunables file is reported with file:line', async t => {
  const err = caught(() => parseTunables('MonitorInterval=5\nNope=1\n[x]\nEnableBans\nDisableIPFailover=1\nRecoverTimeout=abc\n', 'site.tunables'))
  t.ok(isCorralError(err, 'CORRAL_E_CONFIG_UNKNOWN_KEY'), 'the code is the first problem\'s')
  t.equal((err as Error).message, [
    'site.tunables:2: Unknown tunable "Nope"',
    'site.tunables:3: Invalid line for section [x] - tunables sections not supported',
    'site.tunables:4: Invalid tunables line containing "EnableBans"',
    'site.tunables:5: Obsolete tunable "DisableIPFailover"',
    'site.tunables:6: Invalid value "abc" for tunable "RecoverTimeout" (expected an unsigned 32-bit integer)',
  ].join('\n'))
})
