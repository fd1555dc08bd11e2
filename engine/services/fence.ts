// Fencing by generation: work issued under one cluster generation is refused once a recovery has
// started another, so a slow takeip/releaseip from an old takeover run cannot undo a newer one.

/** What a fence check needs from a plugin's ctx. */
export interface GenerationContext {
  /** The generation the request was issued under. */
  readonly generation: number
  /** The node's generation when the handler started (absent from an older host: no check). */
  readonly currentGeneration?: number
  readonly event: string
}

// Why: generations are random, so "stale" means "not the node's current one" (engine/cluster isStale).
export function staleGeneration (ctx: GenerationContext): string | null {
  const now = ctx.currentGeneration
  if (now === undefined || now === ctx.generation) return null
  return `CORRAL_E_STALE_GENERATION: ${ctx.event} was issued at generation ${ctx.generation}; this node is now at generation ${now}; refused`
}

/** Per-key "reconfigure needed" marks (CTDB's ctdb_service_set_reconfigure), set by takeip/releaseip, taken by ipreallocated. */
export class ReconfigureMarks {
  readonly #pending = new Set<string>()
  // Why: takeip/releaseip only note the change; the service is reconfigured once per takeover run.
  mark (key: string): void { this.#pending.add(key) }
  // Why: the whole takeip/releaseip of a service plugin: refuse work from a stale generation, else mark.
  markUnlessStale (ctx: GenerationContext, key: string): { ok: false, reason: string } | undefined {
    const stale = staleGeneration(ctx)
    if (stale !== null) return { ok: false, reason: stale }
    this.mark(key)
  }
  // Why: ipreallocated acts once and clears the mark, as CTDB's ctdb_service_needs_reconfigure.
  take (key: string): boolean { return this.#pending.delete(key) }
}
