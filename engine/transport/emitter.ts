// A small typed event emitter: `noun:verb` names with typed payloads, and listeners that can
// never throw back into the socket callback that emitted.

/** Listener for one event of map E. */
export type Listener<E, K extends keyof E> = (payload: E[K]) => void

export class TypedEmitter<E> {
  #listeners = new Map<keyof E, Set<Listener<E, keyof E>>>()
  #onListenerError: (err: unknown, event: keyof E) => void

  constructor (onListenerError: (err: unknown, event: keyof E) => void = () => {}) {
    this.#onListenerError = onListenerError
  }

  /** Subscribe; returns a function that unsubscribes. */
  on<K extends keyof E> (event: K, listener: Listener<E, K>): () => void {
    let set = this.#listeners.get(event)
    if (set === undefined) this.#listeners.set(event, set = new Set())
    set.add(listener as Listener<E, keyof E>)
    return () => this.off(event, listener)
  }

  /** Subscribe for the next emission only. */
  once<K extends keyof E> (event: K, listener: Listener<E, K>): () => void {
    const off = this.on(event, payload => { off(); listener(payload) })
    return off
  }

  off<K extends keyof E> (event: K, listener: Listener<E, K>): void {
    this.#listeners.get(event)?.delete(listener as Listener<E, keyof E>)
  }

  /** Call every listener; a throwing listener is reported, never propagated. */
  emit<K extends keyof E> (event: K, payload: E[K]): void {
    const set = this.#listeners.get(event)
    if (set === undefined) return
    for (const listener of [...set]) {
      try {
        listener(payload)
      } catch (err) {
        this.#onListenerError(err, event)
      }
    }
  }
}
