// Completion scripts generated from a command tree, exercised by a real bash.
import { execFileSync } from 'node:child_process';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { bashScript, commandNodes, zshScript } from '../../cli/lib/completion.js';
import { register as registerCompletion } from '../../cli/commands/completion.js';
import { register as registerDumpLog } from '../../cli/commands/dump-log.js';
import { register as registerTopics } from '../../cli/commands/topics.js';

function program(): Command {
  const p = new Command('sluice').version('0.0.0');
  registerTopics(p);
  registerDumpLog(p);
  registerCompletion(p);
  return p;
}

/** What bash offers after typing `line` (the last word is the one being completed). */
function complete(line: string): string[] {
  const words = line.split(' ');
  const script = `${bashScript(program())}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}
_sluice_complete; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync('bash', ['-c', script], { encoding: 'utf8', cwd: '/' }).split('\n').filter(Boolean);
}

describe('completion', () => {
  it('walks the command tree', () => {
    const nodes = commandNodes(program());
    expect(nodes.map((n) => n.path)).toContain('topics create');
    expect(nodes.find((n) => n.path === 'dump-log')!.choices.get('--format')).toEqual(['text', 'json']);
  });

  it('completes commands, subcommands, options and choice values in bash', () => {
    expect(complete('sluice ')).toEqual(expect.arrayContaining(['topics', 'dump-log', 'completion', 'help']));
    expect(complete('sluice top')).toEqual(['topics']);
    expect(complete('sluice topics ')).toEqual(
      expect.arrayContaining(['create', 'list', 'describe', 'delete', 'alter']),
    );
    expect(complete('sluice topics create orders --par')).toEqual(['--partitions']);
    expect(complete('sluice topics list --format ')).toEqual(['text', 'json']);
  });

  it('prints a zsh script that registers itself', () => {
    const z = zshScript(program());
    expect(z.startsWith('#compdef sluice')).toBe(true);
    expect(z).toContain("'create:create a topic'");
    expect(z).toContain('compdef _sluice sluice');
  });
});
