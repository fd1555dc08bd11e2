// The typed plugin API, published as `corral/plugin`: `export default definePlugin({...})`.
// Kept free of runtime imports so a plugin loads in milliseconds inside the plugin host.
import type { EventArgs, EventName } from './types.js'

export type { EventArgs, EventName }

/** A pino-like logger; its lines become the run's captured output. */
export interface PluginLog {
  error (msg: string, ...rest: unknown[]): void
  warn (msg: string, ...rest: unknown[]): void
  notice (msg: string, ...rest: unknown[]): void
  info (msg: string, ...rest: unknown[]): void
  debug (msg: string, ...rest: unknown[]): void
}

/** What every handler receives. */
export interface PluginContext {
  /** zx's `$`, bound to `signal`: commands it starts are killed at the deadline. */
  readonly $: typeof import('zx').$
  readonly log: PluginLog
  /** Aborted at the deadline or when the run is cancelled. */
  readonly signal: AbortSignal
  /** Script options (script.options overlaid by `<NN.name>.options`). */
  readonly options: Readonly<Record<string, string>>
  /** Cluster generation of the request: a fencing token a plugin may check (0 without a cluster). */
  readonly generation: number
  readonly event: EventName
  readonly component: string
}

/** A handler's verdict: nothing (OK), a failure, or a warning that is shown but not a failure. */
export type PluginResult = void | undefined | { ok: false, reason: string } | { ok: true, reason?: string } | { status: 'ok' | 'failed' | 'degraded', reason?: string }

export type PluginHandlers = {
  [E in EventName]?: EventArgs[E] extends Record<string, never>
    ? (ctx: PluginContext) => PluginResult | Promise<PluginResult>
    : (ctx: PluginContext, args: EventArgs[E]) => PluginResult | Promise<PluginResult>
}

export interface PluginDefinition {
  name: string
  /** One line per option the plugin reads, for docs and `event script list -v`. */
  options?: Record<string, string>
  events: PluginHandlers
}

/** Marks a module's default export as a corral plugin (shared across copies of corral). */
export const PLUGIN_BRAND = Symbol.for('corral.plugin')

// Why: gives plugin authors types for every event's arguments and marks the export for the host.
export function definePlugin<P extends PluginDefinition> (def: P): P {
  return Object.assign(def, { [PLUGIN_BRAND]: true })
}
