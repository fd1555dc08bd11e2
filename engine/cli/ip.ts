// `corral ip ...` commands.
import type { GlobalOptions } from './context.js'
import { printJson, printText } from './output.js'

interface PlanOptions { nodeFlags?: string, algorithm?: string, ipFailback?: boolean, ipTakeover?: boolean }

// Why: `ip plan` is the admin's what-if tool and needs no daemon: stdin in, allocation out.
export async function ipPlan (g: GlobalOptions, opts: PlanOptions): Promise<number> {
  const { runIpPlan } = await import('../ip/plan.js')
  const input = await readStdin()
  const out = await runIpPlan({
    nodeFlags: opts.nodeFlags,
    algorithm: opts.algorithm,
    noIpFailback: opts.ipFailback === false,
    noIpTakeover: opts.ipTakeover === false,
  }, input)
  if (g.json === true) {
    printJson({ assignments: out.split('\n').filter((l: string) => l !== '').map((l: string) => { const [ip, pnn] = l.split(' '); return { ip, pnn: Number(pnn) } }) })
  } else {
    printText(out)
  }
  return 0
}

async function readStdin (): Promise<string> {
  if (process.stdin.isTTY) return ''
  const chunks: Buffer[] = []
  for await (const c of process.stdin) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
