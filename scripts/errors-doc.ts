// Renders docs/errors.md from the error catalogue: `node --import tsx scripts/errors-doc.ts > docs/errors.md`.
import { ERRORS } from '../engine/errors/catalogue.js'

// Why: the catalogue is the single source; the doc is derived and checked by a test.
export function renderErrorsDoc (): string {
  const rows = Object.entries(ERRORS).map(([code, spec]) => `| \`${code}\` | ${spec.exit} | ${spec.summary.replace(/\|/g, '\\|')} |`)
  return [
    '# Error codes',
    '',
    'Every error corral reports carries one of these stable codes. Codes are never renamed or reused.',
    'The CLI exits with the status shown (errno-flavoured where CTDB uses an errno, so scripts written',
    'against `ctdb` keep working). With `--json`, errors print as `{"error": {"code", "message"}}`.',
    '',
    'This file is generated from `engine/errors/catalogue.ts` by `node --import tsx scripts/errors-doc.ts`;',
    'a test fails when the two differ.',
    '',
    '| code | exit status | meaning |',
    '|---|---|---|',
    ...rows,
    '',
  ].join('\n')
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  process.stdout.write(renderErrorsDoc())
}
