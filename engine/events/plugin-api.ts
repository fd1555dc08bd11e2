// The typed plugin API, published as `corral/plugin`: `export default definePlugin({...})`.
// Kept free of runtime imports so a plugin loads in milliseconds inside the plugin host.
import type { EventArgs, EventName } from './types.js'

export type { EventArgs, EventName }

/** One log call, pino's way: `log.info('port %d open', 445)` or `log.info({ port }, 'open')`. */
export interface PluginLogFn {
  (msg: string, ...args: unknown[]): void
  (obj: object, msg?: string, ...args: unknown[]): void
}

/** A pino-like child logger; every line becomes the run's captured output (like a script's stdout). */
export interface PluginLog {
  fatal: PluginLogFn
  error: PluginLogFn
  warn: PluginLogFn
  notice: PluginLogFn
  info: PluginLogFn
  debug: PluginLogFn
  trace: PluginLogFn
  /** A logger whose lines carry these fields too (`key=value` after the message). */
  child (bindings: Record<string, unknown>): PluginLog
}

/** An option a plugin reads from its script options (`<NN.name>.options`, `script.options`). */
export interface PluginOption {
  /** One line for docs and listings. */
  description: string
  /** Used when no options file sets it; with a default, `ctx.options.NAME` is a `string`. */
  default?: string
}

export type PluginOptions = Record<string, PluginOption>

/** `ctx.options`: declared options with a default are strings; anything else may be missing. */
export type OptionValues<O extends PluginOptions> =
  { readonly [K in keyof O]: O[K] extends { default: string } ? string : string | undefined } &
  { readonly [name: string]: string | undefined }

/** What every handler receives. */
export interface PluginContext<O extends PluginOptions = PluginOptions> {
  /**
   * zx's `$`, bound to `signal` and to the options as environment: commands it starts are killed at
   * the deadline or on cancel. Output is captured, not printed; a non-zero exit throws (use `.nothrow()`).
   */
  readonly $: import('zx').Shell
  readonly log: PluginLog
  /** Aborted at the deadline or when the run is cancelled; pass it to fetch, timers, sockets. */
  readonly signal: AbortSignal
  /** Script options (`script.options` overlaid by `<NN.name>.options`) over the declared defaults. */
  readonly options: OptionValues<O>
  /** Cluster generation of the request: a fencing token a plugin may check (0 without a cluster). */
  readonly generation: number
  /**
   * The node's generation when this handler started. It differs from `generation` when a recovery
   * happened after the request was issued: the request is stale and a plugin may refuse it
   * (the built-in ones do for takeip/releaseip; `staleGeneration(ctx)` from `corral/services`).
   */
  readonly currentGeneration: number
  readonly event: EventName
  readonly component: string
}

/**
 * A handler's verdict: nothing for OK, `{ ok: false, reason }` for a failure, or
 * `{ status: 'degraded', reason }`: DEGRADED, a warning shown and counted that does not fail the
 * run (a degraded monitor does not make the node UNHEALTHY). Throwing is a failure too.
 */
export type PluginResult = void | undefined | { ok: false, reason: string } | { status: 'degraded', reason: string }

/** Handlers by event; `takeip(ctx, { iface, ip, maskbits })` and friends get typed arguments. */
export type PluginHandlers<O extends PluginOptions = PluginOptions> = {
  [E in EventName]?: EventArgs[E] extends Record<string, never>
    ? (ctx: PluginContext<O>) => PluginResult | Promise<PluginResult>
    : (ctx: PluginContext<O>, args: EventArgs[E]) => PluginResult | Promise<PluginResult>
}

export interface PluginDefinition<O extends PluginOptions = PluginOptions> {
  /** A short name for logs. */
  name: string
  /** The options the plugin reads, with descriptions and defaults. */
  options?: O
  events: PluginHandlers<O>
}

/** Marks a module's default export as a corral plugin (Symbol.for: shared across copies of corral). */
export const PLUGIN_BRAND = Symbol.for('corral.plugin')

/** What `definePlugin` returns: the definition, branded for the plugin host. */
export type Plugin<O extends PluginOptions = PluginOptions> = PluginDefinition<O> & { readonly [PLUGIN_BRAND]: true }

/**
 * Define a plugin: the module's default export.
 * @example
 * export default definePlugin({
 *   name: 'smb',
 *   options: { PORT: { description: 'port smbd answers on', default: '445' } },
 *   events: { async monitor (ctx) { await ctx.$`nc -z 127.0.0.1 ${ctx.options.PORT}` } },
 * })
 */
// Why: gives plugin authors types for every event's arguments and marks the export for the host.
export function definePlugin<const O extends PluginOptions = Record<never, PluginOption>> (def: PluginDefinition<O>): Plugin<O> {
  return Object.assign(def, { [PLUGIN_BRAND]: true as const })
}

// Why: the host refuses a default export that was not made by definePlugin, with a clear reason.
export function isPlugin (value: unknown): value is Plugin {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Partial<Plugin>
  return v[PLUGIN_BRAND] === true && typeof v.name === 'string' && typeof v.events === 'object' && v.events !== null
}
