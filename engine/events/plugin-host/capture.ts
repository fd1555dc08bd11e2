// A run's output, kept in arrival order up to a byte cap (like a script's captured stdout+stderr).

export class Capture {
  #chunks: Buffer[] = []
  #bytes = 0
  truncated = false
  constructor (readonly cap: number) {}

  push (chunk: Buffer | string): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk
    if (buf.length === 0) return
    const room = this.cap - this.#bytes
    if (room <= 0) { this.truncated = true; return }
    const part = buf.length > room ? buf.subarray(0, room) : buf
    if (part.length < buf.length) this.truncated = true
    this.#chunks.push(part)
    this.#bytes += part.length
  }

  text (): string {
    return Buffer.concat(this.#chunks).toString('utf8')
  }
}
