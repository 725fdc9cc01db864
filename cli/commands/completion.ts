// `sluice completion bash|zsh`: prints a completion script built from the live command tree.
import type { Command } from 'commander';
import { action, subcommand } from '../lib/command.js';
import { bashScript, zshScript } from '../lib/completion.js';
import { parseChoice } from '../lib/options.js';

const SHELLS = ['bash', 'zsh'] as const;

export function register(program: Command): void {
  subcommand(program, 'completion', 'print a shell completion script (bash or zsh)')
    .argument('<shell>', `one of: ${SHELLS.join(', ')}`, parseChoice('shell', SHELLS))
    .addHelpText(
      'after',
      `\nExamples:\n  source <(${program.name()} completion bash)\n  ${program.name()} completion zsh > ~/.zfunc/_${program.name()}`,
    )
    .action(
      action(async (ctx, shell: (typeof SHELLS)[number]) => {
        ctx.stdout.write(shell === 'bash' ? bashScript(program) : zshScript(program));
      }),
    );
}
