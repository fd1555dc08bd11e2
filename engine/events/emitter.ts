// A minimal typed event emitter: event names and payload types checked at compile time.
import { EventEmitter } from 'node:events'

// Why: components publish `noun:verb` events with typed payloads, never stringly-typed emits.
export class TypedEmitter<Events extends Record<string, unknown>> {
  readonly #ee = new EventEmitter()
  on<K extends keyof Events & string> (name: K, fn: (payload: Events[K]) => void): () => void {
    this.#ee.on(name, fn)
    return () => { this.#ee.off(name, fn) }
  }
  emit<K extends keyof Events & string> (name: K, payload: Events[K]): void {
    this.#ee.emit(name, payload)
  }
}
