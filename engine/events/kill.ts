// Killing a hung script and everything it started: its process group, its descendants (found
// through /proc before they are orphaned), and any process still carrying the run's token in its
// environment (catches daemonised grandchildren that left both the group and the tree).
import { readdirSync, readFileSync } from 'node:fs'

/** Environment variable set on every script run; its value identifies the run's processes. */
export const RUN_TOKEN_ENV = 'CORRAL_RUN_TOKEN'

interface ProcInfo { pid: number, ppid: number }

function readProcs (): ProcInfo[] {
  const out: ProcInfo[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^[0-9]+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      // Field 2 (comm) may contain spaces and parentheses: parse after the last ')'.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      out.push({ pid: Number(name), ppid: Number(rest[1]) })
    } catch { /* gone already */ }
  }
  return out
}

function hasToken (pid: number, token: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(`${RUN_TOKEN_ENV}=${token}`)
  } catch {
    return false
  }
}

// Why: a timed-out script's children must die with it, even those that ignore SIGTERM or call setsid.
export function findRunProcesses (rootPid: number, token: string | null): Set<number> {
  const procs = readProcs()
  const children = new Map<number, number[]>()
  for (const p of procs) {
    const list = children.get(p.ppid) ?? []
    list.push(p.pid)
    children.set(p.ppid, list)
  }
  const found = new Set<number>([rootPid])
  const stack = [rootPid]
  while (stack.length > 0) {
    for (const c of children.get(stack.pop()!) ?? []) if (!found.has(c)) { found.add(c); stack.push(c) }
  }
  if (token !== null) for (const p of procs) if (p.pid !== process.pid && !found.has(p.pid) && hasToken(p.pid, token)) found.add(p.pid)
  found.delete(process.pid)
  return found
}

function signal (target: number, sig: NodeJS.Signals): void {
  try { process.kill(target, sig) } catch { /* already gone */ }
}

// Why: a zombie has exited; only a live process still counts as running.
export function alive (pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
  } catch {
    return false
  }
}

// Why: SIGTERM first so scripts can clean up, SIGKILL after the grace so nothing outlives its deadline.
export async function killProcessTree (rootPid: number, graceMs: number, opts: { token?: string | null, firstSignal?: NodeJS.Signals } = {}): Promise<number[]> {
  const token = opts.token ?? null
  const first = opts.firstSignal ?? 'SIGTERM'
  const pids = findRunProcesses(rootPid, token)
  signal(-rootPid, first)
  for (const pid of pids) signal(pid, first)
  if (first === 'SIGKILL') return [...pids]
  const end = Date.now() + graceMs
  while (Date.now() < end && [...pids].some(alive)) await new Promise(resolve => setTimeout(resolve, 20))
  for (const pid of findRunProcesses(rootPid, token)) pids.add(pid)
  signal(-rootPid, 'SIGKILL')
  for (const pid of pids) if (alive(pid)) signal(pid, 'SIGKILL')
  return [...pids]
}
