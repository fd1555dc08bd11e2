// The built-in systemd unit plugin: startup runs `systemctl start UNIT` and waits until the unit
// is active; shutdown stops it; monitor asks `systemctl is-active UNIT` (active: OK; activating or
// reloading: DEGRADED; anything else: FAILED with the state as reason). After a takeover run that
// moved addresses to or from this node, ipreallocated reloads or restarts the unit if RECONFIGURE
// says so; takeip/releaseip only note the change, and refuse work from a stale generation.
// Enable it (it ships in corral's events.d/legacy as 42.systemd), then name the unit:
//   corral event script enable legacy 42.systemd
//   echo UNIT=nginx.service > /etc/corral/events.d/legacy/42.systemd.options
import { definePlugin } from 'corral/plugin'
import { numberOption, ReconfigureMarks, requiredOption, SERVICE_READY_TIMEOUT_S, waitUntil } from 'corral/services'

const marks = new ReconfigureMarks()

/** `systemctl is-active` words that mean "on its way": the monitor warns instead of failing. */
const TRANSITIONAL = new Set(['activating', 'reloading', 'refreshing'])

export default definePlugin({
  name: 'systemd',
  options: {
    UNIT: { description: 'the systemd unit to manage, e.g. nginx.service; required' },
    SYSTEMCTL: { description: 'the systemctl program', default: 'systemctl' },
    READY_TIMEOUT: { description: 'seconds startup waits for the unit to become active', default: String(SERVICE_READY_TIMEOUT_S) },
    RECONFIGURE: { description: 'what ipreallocated does after addresses moved on this node: none, reload or restart', default: 'none' },
  },
  events: {
    async startup (ctx) {
      const unit = requiredOption('UNIT', ctx.options.UNIT)
      const readyS = numberOption('READY_TIMEOUT', ctx.options.READY_TIMEOUT, 'seconds')
      await ctx.$`${ctx.options.SYSTEMCTL} start ${unit}`
      const w = await waitUntil(async () => {
        const state = await isActive(ctx.$, ctx.options.SYSTEMCTL, unit)
        if (state === 'failed') return `${unit} failed`
        return state === 'active' ? null : `${unit} is ${state}`
      }, { timeoutMs: readyS * 1000, signal: ctx.signal })
      if (!w.ok) return { ok: false, reason: w.reason }
      ctx.log.info('%s active after %d ms', unit, Math.round(w.ms))
    },

    async shutdown (ctx) {
      const unit = requiredOption('UNIT', ctx.options.UNIT)
      await ctx.$`${ctx.options.SYSTEMCTL} stop ${unit}`
    },

    async monitor (ctx) {
      const unit = requiredOption('UNIT', ctx.options.UNIT)
      const state = await isActive(ctx.$, ctx.options.SYSTEMCTL, unit)
      if (state === 'active') return
      if (TRANSITIONAL.has(state)) return { status: 'degraded', reason: `${unit} is ${state}` }
      return { ok: false, reason: `${unit} is ${state}` }
    },

    takeip: ctx => marks.markUnlessStale(ctx, ctx.options.UNIT ?? ''),

    releaseip: ctx => marks.markUnlessStale(ctx, ctx.options.UNIT ?? ''),

    async ipreallocated (ctx) {
      const how = ctx.options.RECONFIGURE
      if (!['none', 'reload', 'restart'].includes(how)) return { ok: false, reason: `option RECONFIGURE must be none, reload or restart, got '${how}'` }
      const unit = ctx.options.UNIT ?? ''
      if (!marks.take(unit) || how === 'none') return
      await ctx.$`${ctx.options.SYSTEMCTL} ${how === 'reload' ? 'reload-or-restart' : 'restart'} ${requiredOption('UNIT', unit)}`
      ctx.log.info('%s: %s after a takeover run', unit, how)
    },
  },
})

// `systemctl is-active` prints the state and exits non-zero unless active: the word is the answer.
async function isActive ($: import('zx').Shell, systemctl: string, unit: string): Promise<string> {
  const r = await $`${systemctl} is-active ${unit}`.nothrow()
  const word = r.stdout.trim().split('\n')[0] ?? ''
  if (word !== '') return word
  return `unknown (${systemctl} is-active exited ${String(r.exitCode)}${r.stderr.trim() === '' ? '' : `: ${r.stderr.trim().split('\n')[0]}`})`
}
