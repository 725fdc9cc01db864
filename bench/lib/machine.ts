// Describes the machine and revision a benchmark ran on, for the header of each RESULTS.md section.
import { execSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';

function run(command: string): string {
  try {
    return execSync(command, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

export function describeMachine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const memGiB = (totalmem() / 2 ** 30).toFixed(0);
  const disk = run('df -h /work 2>/dev/null | tail -1 | awk \'{print $1" "$2" total, "$4" free"}\'');
  return `${cpus().length} cores (${cpu}), ${memGiB} GiB RAM, disk ${disk}, Node ${process.version}`;
}

export function describeCommit(): string {
  const commit = run('git rev-parse --short HEAD');
  const dirty = run('git status --porcelain --untracked-files=no') ? ' (with uncommitted changes)' : '';
  return `${commit}${dirty}`;
}

export function today(): string {
  return new Date().toISOString().slice(0, 10);
}
