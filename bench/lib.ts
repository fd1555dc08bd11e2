// Small helpers every benchmark uses: timing, medians, and the table format.

// Why: benchmarks quote medians of several runs, never a single sample.
export function median (xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2
}

// Why: tail latency matters for timeouts; p99 is reported beside the median.
export function percentile (xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]
}

/** A row of a benchmark table: the figure, its baseline, and how to read the ratio. */
export interface BenchRow {
  name: string
  value: number
  baseline: number | null
  unit: string
  /** e.g. 'target <= 1.5x baseline' */
  note?: string
}

// Why: every benchmark prints the same table so figures can be compared across runs.
export function printTable (title: string, rows: BenchRow[], reproduce: string): void {
  const fmt = (n: number): string => n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(3)
  const lines = [`## ${title}`, '', '| figure | value | baseline | ratio | note |', '|---|---|---|---|---|']
  for (const r of rows) {
    const q = r.baseline === null || r.baseline === 0 ? null : r.value / r.baseline
    const ratio = q === null ? '-' : q < 0.1 ? `${q.toFixed(4)}x (1/${(1 / q).toFixed(0)})` : `${q.toFixed(2)}x`
    lines.push(`| ${r.name} | ${fmt(r.value)} ${r.unit} | ${r.baseline === null ? '-' : `${fmt(r.baseline)} ${r.unit}`} | ${ratio} | ${r.note ?? ''} |`)
  }
  lines.push('', `Reproduce: \`${reproduce}\``, '')
  process.stdout.write(lines.join('\n') + '\n')
}

// Why: wall-clock timing of an async action in milliseconds.
export async function timeMs (fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint()
  await fn()
  return Number(process.hrtime.bigint() - t0) / 1e6
}
