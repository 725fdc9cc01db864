// Flags shared by the soak runs: --rounds <n>, --seconds <s>, --seed <n>. Every soak stops by itself.
export interface SoakArgs {
  rounds: number;
  seconds: number;
  seed: number | undefined;
}

export function soakArgs(defaults: { rounds?: number; seconds?: number } = {}): SoakArgs {
  const argv = process.argv.slice(2);
  const value = (flag: string): number | undefined => {
    const i = argv.indexOf(flag);
    if (i < 0) return undefined;
    const n = Number(argv[i + 1]);
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${flag} needs a positive integer, got ${argv[i + 1]}`);
    return n;
  };
  return {
    rounds: value('--rounds') ?? defaults.rounds ?? 50,
    seconds: value('--seconds') ?? defaults.seconds ?? 60,
    seed: value('--seed'),
  };
}
