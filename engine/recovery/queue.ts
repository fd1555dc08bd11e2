// A hand-off between a producer of batches (one request per batch) and one consumer (the store's
// atomic replace): push() resolves once the consumer has taken the item, which is the back-pressure.

/** A bounded hand-off: push() resolves when the consumer has taken the item (back-pressure). */
export class AsyncQueue<T> implements AsyncIterable<T> {
  #items: Array<{ v: T, taken: () => void, refused: (e: Error) => void }> = []
  #wake: (() => void) | null = null
  #ended = false
  #error: Error | null = null

  async push (v: T): Promise<void> {
    if (this.#error !== null) throw this.#error
    await new Promise<void>((resolve, reject) => { this.#items.push({ v, taken: resolve, refused: reject }); this.#wake?.() })
  }

  end (): void { this.#ended = true; this.#wake?.() }

  /** Fail the queue: the consumer throws, and every push still waiting is refused. */
  fail (err: Error): void {
    if (this.#error !== null) return
    this.#error = err
    for (const it of this.#items.splice(0)) it.refused(err)
    this.#wake?.()
  }

  [Symbol.asyncIterator] (): AsyncIterator<T> {
    return {
      next: async (): Promise<IteratorResult<T>> => {
        for (;;) {
          if (this.#error !== null) throw this.#error
          const it = this.#items.shift()
          if (it !== undefined) { it.taken(); return { value: it.v, done: false } }
          if (this.#ended) return { value: undefined, done: true }
          await new Promise<void>(resolve => { this.#wake = resolve })
          this.#wake = null
        }
      },
      // The consumer stopped reading (it failed, or broke out): pushes must not wait forever.
      return: async (): Promise<IteratorResult<T>> => {
        this.fail(new Error('the consumer of the queue stopped reading'))
        return { value: undefined, done: true }
      },
    }
  }
}
