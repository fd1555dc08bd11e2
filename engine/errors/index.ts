// Public API of the error catalogue: one error class carrying a stable code.
import { ERRORS, type ErrorCode, type ErrorSpec } from './catalogue.js'

export { ERRORS, type ErrorCode, type ErrorSpec }

/** Where in an input file a problem was found; included in the message as `file:line`. */
export interface Place {
  file?: string
  line?: number
  field?: string
}

/** An error with a stable code from the catalogue. Thrown for bad input and refused requests. */
export class CorralError extends Error {
  static override name = 'CorralError'
  readonly code: ErrorCode
  readonly place: Place | undefined

  constructor (code: ErrorCode, message: string, options: { cause?: unknown, place?: Place } = {}) {
    super(withPlace(message, options.place), { cause: options.cause })
    this.name = 'CorralError'
    this.code = code
    this.place = options.place
  }

  /** The CLI exit status for this error. */
  get exitCode (): number {
    return ERRORS[this.code].exit
  }
}

// Prefix a message with `file:line:` (and the field) so every input error points at its source.
function withPlace (message: string, place: Place | undefined): string {
  if (place === undefined) return message
  let where = place.file ?? ''
  if (place.line !== undefined) where += `:${place.line}`
  if (place.field !== undefined) where += where === '' ? place.field : ` (${place.field})`
  return where === '' ? message : `${where}: ${message}`
}

// Why: callers branch on codes, not on classes or message text.
export function isCorralError (err: unknown, code?: ErrorCode): err is CorralError {
  return err instanceof CorralError && (code === undefined || err.code === code)
}

// Why: the CLI maps any failure to one exit status, even ones that are not CorralErrors.
export function exitCodeOf (err: unknown): number {
  return err instanceof CorralError ? err.exitCode : 1
}
