// Renders docs/config.md from the config schema: `node --import tsx scripts/config-doc.ts > docs/config.md`.
import { SCHEMA, SCRIPT_TIMEOUTS_SECTION } from '../engine/config/schema.js'

// Why: the schema is the single source of keys and defaults; the doc is derived and checked by a test.
export function renderConfigDoc (): string {
  const sections = [...new Set(SCHEMA.map(s => s.section))]
  const out = [
    '# Configuration: corral.conf',
    '',
    'corral reads one file, `<config dir>/corral.conf` (config dir default `/etc/corral`, or `--config-dir`,',
    'or `CORRAL_CONFIG_DIR`). The format is the Samba-style INI that `ctdb.conf` uses, chosen so CTDB admins',
    'can carry their knowledge over: `[section]` headers (case-insensitive), `key = value` lines (keys exact),',
    'comment lines starting with `#` or `;`, booleans `true/yes/on/1` and `false/no/off/0`. Unlike CTDB,',
    'the daemon refuses to start on an unknown section or key: a typo must not silently fall back to a default.',
    'Every error names the file, the line and the key, e.g.',
    '`/etc/corral/corral.conf:7 ([event] timeout): expected a whole number, got \'3s\'`.',
    '',
    'Paths can also be given on the command line (`--state-dir`, `--run-dir`, `--events-dir`, `--socket`) or in',
    'the environment (`CORRAL_STATE_DIR`, `CORRAL_RUN_DIR`, `CORRAL_EVENTS_DIR`, `CORRAL_SOCKET`); the order of',
    'precedence is flag, environment, file, default. Defaults live in `engine/config/defaults.ts`.',
    '',
    'This file is generated from `engine/config/schema.ts` by `node --import tsx scripts/config-doc.ts`.',
    '',
  ]
  for (const section of sections) {
    out.push(`## [${section}]`, '', '| key | default | meaning |', '|---|---|---|')
    for (const s of SCHEMA.filter(x => x.section === section)) {
      out.push(`| \`${s.key}\` | ${s.default === null ? '(unset)' : `\`${s.default}\``} | ${s.description} |`)
    }
    out.push('')
  }
  out.push(`## [${SCRIPT_TIMEOUTS_SECTION}]`, '',
    'Free-form keys `COMPONENT/NN.name = SECONDS` give one script (or plugin) less time than its whole event,',
    'e.g. `legacy/10.interface = 5`. The event deadline still applies.', '')
  return out.join('\n')
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  process.stdout.write(renderConfigDoc())
}
