// CTDB's log levels and how corral maps them to pino and to syslog.
import { CorralError } from '../errors/index.js'

export const LEVEL_NAMES = ['ERROR', 'WARNING', 'NOTICE', 'INFO', 'DEBUG'] as const
export type LevelName = typeof LEVEL_NAMES[number]

/** CTDB's numbers (messages at or below the configured number are emitted). */
export const CTDB_LEVEL: Record<LevelName, number> = { ERROR: 0, WARNING: 1, NOTICE: 3, INFO: 5, DEBUG: 10 }
/** pino's numbers (higher = more severe). `warn` is an alias of `warning`. */
export const PINO_LEVEL: Record<LevelName, number> = { ERROR: 50, WARNING: 40, NOTICE: 35, INFO: 30, DEBUG: 20 }
/** Syslog severities: err, warning, notice, info, debug. */
export const SYSLOG_SEVERITY: Record<LevelName, number> = { ERROR: 3, WARNING: 4, NOTICE: 5, INFO: 6, DEBUG: 7 }

/**
 * pino's custom levels: the only levels a corral logger has. `warn` comes before `warning` so
 * that pino names level 40 `warning` (the last name given to a number wins).
 */
export const PINO_CUSTOM_LEVELS = { error: 50, warn: 40, warning: 40, notice: 35, info: 30, debug: 20 } as const
export type PinoLevel = keyof typeof PINO_CUSTOM_LEVELS

// Why: CTDB accepts a number 0-10 or any case-insensitive prefix of a name; corral does the same.
export function parseLogLevel (text: string | number, field = 'logging.log level'): LevelName {
  const t = String(text).trim()
  if (/^[0-9]+$/.test(t)) {
    const n = Number(t)
    if (n > 10) throw new CorralError('CORRAL_E_CONFIG_VALUE', `log level ${n} is out of range 0..10`, { place: { field } })
    return levelOfNumber(n)
  }
  const up = t.toUpperCase()
  const hit = up === '' ? undefined : LEVEL_NAMES.find(n => n.startsWith(up))
  if (hit === undefined) throw new CorralError('CORRAL_E_CONFIG_VALUE', `unknown log level '${String(text)}' (ERROR, WARNING, NOTICE, INFO, DEBUG or 0-10)`, { place: { field } })
  return hit
}

// Why: intermediate CTDB numbers count as the next name down (2 is WARNING, 6-9 INFO).
function levelOfNumber (n: number): LevelName {
  if (n >= 10) return 'DEBUG'
  if (n >= 5) return 'INFO'
  if (n >= 3) return 'NOTICE'
  if (n >= 1) return 'WARNING'
  return 'ERROR'
}

// Why: sinks see pino's numbers; syslog and humans want CTDB's names.
export function levelNameOf (pinoLevel: number): LevelName {
  if (pinoLevel >= 50) return 'ERROR'
  if (pinoLevel >= 40) return 'WARNING'
  if (pinoLevel >= 35) return 'NOTICE'
  if (pinoLevel >= 30) return 'INFO'
  return 'DEBUG'
}

// Why: pino is configured with lower-case method names; the config and the CLI use CTDB's names.
export function pinoLevelOf (name: LevelName): PinoLevel {
  return name.toLowerCase() as PinoLevel
}
