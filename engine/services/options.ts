// Reading a plugin's string options into typed values; a bad value is an error naming the option.

/** A bad option value: the plugin reports its message as the run's reason. */
export class ServiceOptionError extends Error {
  override name = 'ServiceOptionError'
  /** Stable code (engine/errors/catalogue.ts). */
  readonly code = 'CORRAL_E_SERVICE_OPTION'
}

// Why: a typo in an options file must say which option and what was wrong, not fail obscurely later.
export function portOption (name: string, value: string | undefined): number {
  const v = (value ?? '').trim()
  if (!/^[0-9]+$/.test(v) || Number(v) < 1 || Number(v) > 65535) throw new ServiceOptionError(`option ${name} must be a TCP port 1-65535, got '${value ?? ''}'`)
  return Number(v)
}

// Why: port lists (`445,139`) are read the same way by every plugin.
export function portsOption (name: string, value: string | undefined): number[] {
  const parts = (value ?? '').split(',').map(s => s.trim()).filter(s => s !== '')
  if (parts.length === 0) throw new ServiceOptionError(`option ${name} must list at least one TCP port (like 445,139), got '${value ?? ''}'`)
  return parts.map(p => portOption(name, p))
}

// Why: timeouts and thresholds are non-negative numbers; anything else is named with the option.
export function numberOption (name: string, value: string | undefined, unit: string): number {
  const v = (value ?? '').trim()
  if (!/^[0-9]+(\.[0-9]+)?$/.test(v)) throw new ServiceOptionError(`option ${name} must be a non-negative number of ${unit}, got '${value ?? ''}'`)
  return Number(v)
}

// Why: CTDB's options are yes/no words; accept the usual spellings, refuse the rest.
export function yesNoOption (name: string, value: string | undefined): boolean {
  const v = (value ?? '').trim().toLowerCase()
  if (['yes', 'true', '1', 'on'].includes(v)) return true
  if (['no', 'false', '0', 'off', ''].includes(v)) return false
  throw new ServiceOptionError(`option ${name} must be yes or no, got '${value ?? ''}'`)
}

// Why: a required option left empty is reported by name before anything runs.
export function requiredOption (name: string, value: string | undefined): string {
  const v = (value ?? '').trim()
  if (v === '') throw new ServiceOptionError(`option ${name} is required (set it in the entry's .options file)`)
  return v
}

// Why: lists such as RPC services are comma-separated words.
export function listOption (value: string | undefined): string[] {
  return (value ?? '').split(',').map(s => s.trim()).filter(s => s !== '')
}
