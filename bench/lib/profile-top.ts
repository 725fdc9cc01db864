// Prints the top self-time functions of a V8 .cpuprofile (from --cpu-prof):
//   node --import tsx bench/lib/profile-top.ts <file.cpuprofile> [count] [fromUs toUs]
// fromUs/toUs: only the samples taken in that span of the monotonic clock (µs, process.hrtime's: the
// profile's own timestamps), e.g. the replay printed by bench/replay-timeline.ts.
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

const [file, countArg, fromArg, toArg] = process.argv.slice(2);
const from = fromArg ? Number(fromArg) : Number.NEGATIVE_INFINITY;
const to = toArg ? Number(toArg) : Number.POSITIVE_INFINITY;
if (!file) throw new Error('usage: profile-top.ts <file.cpuprofile> [count]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
};
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map<string, number>();
let total = 0;
let at = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) {
  const node = byId.get(profile.samples[i]!)!;
  const dt = profile.timeDeltas[i] ?? 0;
  at += dt;
  if (at < from || at > to) continue;
  total += dt;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${url.replace(/^.*\/(src|storage|bench|node_modules)\//, '$1/')}:${lineNumber + 1}` : '';
  const key = `${functionName || '(anonymous)'} ${where}`;
  self.set(key, (self.get(key) ?? 0) + dt);
}
const rows = [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(countArg ?? 30));
process.stdout.write(`total ${(total / 1000).toFixed(0)} ms sampled\n`);
for (const [key, us] of rows)
  process.stdout.write(
    `${((us / total) * 100).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}\n`,
  );
