// The consumer runner's wait per fetch response: a Signal wait with the idle timeout, notified before it ends.
// CPU ns per wait/notify cycle of this checkout's Signal, or another checkout's (--checkout <dir>), one process
// per run: alternate the two for before/after pairs.
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const { values } = parseArgs({
  options: {
    checkout: { type: 'string' },
    cycles: { type: 'string', default: '2000000' },
    rounds: { type: 'string', default: '5' },
  },
});
const root = values.checkout ?? join(import.meta.dirname, '..');
const { Signal } = (await import(
  pathToFileURL(join(root, 'src/client/consumer/signal.ts')).href
)) as typeof import('../src/client/consumer/signal.js');
const cycles = Number(values.cycles);
const signal = new Signal();
const perRound: number[] = [];
for (let r = 0; r < Number(values.rounds); r++) {
  const cpu = process.cpuUsage();
  for (let i = 0; i < cycles; i++) {
    const wait = signal.wait(100);
    signal.notify();
    await wait;
  }
  const used = process.cpuUsage(cpu);
  perRound.push(((used.user + used.system) * 1000) / cycles);
}
perRound.sort((a, b) => a - b);
console.log(
  `${root}: CPU ns per wait/notify cycle, median of ${perRound.length} rounds: ${perRound[Math.floor(perRound.length / 2)]!.toFixed(0)} (${perRound.map((v) => v.toFixed(0)).join(', ')})`,
);
