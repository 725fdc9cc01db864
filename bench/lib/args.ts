// The benches' `--name value` options, read from an argument list (usually process.argv.slice(2)).

/** `--name <number>`, or `fallback` when absent; a value that is not a number is refused with a sentence. */
export function numberOptions(args: readonly string[]): (name: string, fallback: number) => number {
  return (name, fallback) => {
    const i = args.indexOf(`--${name}`);
    if (i < 0) return fallback;
    const value = Number(args[i + 1]);
    if (args[i + 1] === undefined || !Number.isFinite(value))
      throw new Error(`--${name} takes a number, not ${JSON.stringify(args[i + 1] ?? '')}`);
    return value;
  };
}

/** `--name <text>`, or `fallback` when absent. */
export function textOptions(args: readonly string[]): (name: string, fallback: string) => string {
  return (name, fallback) => {
    const i = args.indexOf(`--${name}`);
    if (i < 0) return fallback;
    const value = args[i + 1];
    if (value === undefined) throw new Error(`--${name} takes a value`);
    return value;
  };
}
