// A hand-off between a producer of batches (one request per batch) and one consumer (the store's
// atomic replace): push() resolves once the consumer has taken the item, which is the back-pressure.

/** A bounded hand-off: push() resolves when the consumer has taken the item (back-pressure). */
export class AsyncQueue<T> implements AsyncIterable<T> {
  #items: Array<{ v: T, taken: () => void }> = []
  #wake: (() => void) | null = null
  #ended = false
  #error: Error | null = null

  async push (v: T): Promise<void> {
    if (this.#error !== null) throw this.#error
    await new Promise<void>(resolve => { this.#items.push({ v, taken: resolve }); this.#wake?.() })
  }

  end (): void { this.#ended = true; this.#wake?.() }
  fail (err: Error): void { this.#error = err; this.#wake?.() }

  async * [Symbol.asyncIterator] (): AsyncIterator<T> {
    for (;;) {
      if (this.#error !== null) throw this.#error
      const it = this.#items.shift()
      if (it !== undefined) { it.taken(); yield it.v; continue }
      if (this.#ended) return
      await new Promise<void>(resolve => { this.#wake = resolve })
      this.#wake = null
    }
  }
}
