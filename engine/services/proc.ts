// Process lookup through /proc: by pid file, by name (comm or argv[0]) and command-line substring.
import { readdir, readFile } from 'node:fs/promises'

export interface ProcessInfo {
  pid: number
  /** The kernel's short name (`/proc/PID/comm`, at most 15 characters). */
  comm: string
  /** argv joined by spaces (`/proc/PID/cmdline`). */
  cmdline: string
}

export interface ProcessQuery {
  /** Matches `comm`, or the base name of argv[0] (so names longer than 15 characters work). */
  name: string
  /** When set, this text must occur in the command line too (tells apart two servers of one program). */
  match?: string
}

/** Where process information comes from; tests of one component may point it elsewhere. */
export const PROC_DIR = '/proc'

async function info (pid: number, procDir: string): Promise<ProcessInfo | null> {
  try {
    const comm = (await readFile(`${procDir}/${pid}/comm`, 'utf8')).trim()
    const cmdline = (await readFile(`${procDir}/${pid}/cmdline`, 'utf8')).split('\0').filter(a => a !== '').join(' ')
    // A zombie has an empty command line: it no longer serves anything.
    if (cmdline === '') return null
    return { pid, comm, cmdline }
  } catch {
    return null
  }
}

function matches (p: ProcessInfo, q: ProcessQuery): boolean {
  const argv0 = p.cmdline.split(' ')[0] ?? ''
  const base = argv0.slice(argv0.lastIndexOf('/') + 1)
  if (p.comm !== q.name && base !== q.name) return false
  return q.match === undefined || q.match === '' || p.cmdline.includes(q.match)
}

// Why: CTDB's scripts check daemons with pidof/pgrep; reading /proc needs no extra package.
export async function findProcesses (q: ProcessQuery, procDir = PROC_DIR): Promise<ProcessInfo[]> {
  const out: ProcessInfo[] = []
  for (const e of await readdir(procDir)) {
    if (!/^[0-9]+$/.test(e)) continue
    const pid = Number(e)
    if (pid === process.pid) continue
    const p = await info(pid, procDir)
    if (p !== null && matches(p, q)) out.push(p)
  }
  return out.sort((a, b) => a.pid - b.pid)
}

// Why: a pid file is the exact way to name a daemon; a stale one (no such process) counts as none.
export async function processFromPidFile (file: string, procDir = PROC_DIR): Promise<{ pid: number, process: ProcessInfo | null } | { error: string }> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    return { error: `cannot read pid file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }
  }
  const first = text.trim().split(/\s+/)[0] ?? ''
  if (!/^[1-9][0-9]*$/.test(first)) return { error: `pid file ${file}: expected a process id on line 1, got '${first.slice(0, 40)}'` }
  const pid = Number(first)
  return { pid, process: await info(pid, procDir) }
}

// Why: after a stop, wait until none of the old processes is left (a pid is checked, not a name).
export async function anyAlive (pids: number[], procDir = PROC_DIR): Promise<boolean> {
  for (const pid of pids) if (await info(pid, procDir) !== null) return true
  return false
}
