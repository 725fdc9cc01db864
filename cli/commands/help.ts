// `sluice help [command…]`: the help of a command or of a subcommand (`sluice help topics create`), where
// commander's own help command stops at the first word.
import type { Command } from 'commander';
import { usageExit } from '../lib/command.js';
import { EXIT_OK, EXIT_USAGE } from '../lib/errors.js';

export function register(program: Command): void {
  program.helpCommand(false);
  program
    .command('help')
    .argument('[command...]', 'a command, and a subcommand of it (e.g. topics create)')
    .description('show the help of a command or subcommand')
    .exitOverride(usageExit)
    .action((words: string[]) => {
      let command = program;
      for (const [i, word] of words.entries()) {
        const next = command.commands.find((c) => c.name() === word || c.aliases().includes(word));
        if (!next) {
          const path = ['sluice', ...words.slice(0, i)].join(' ');
          const known = command.commands.map((c) => c.name()).filter((n) => n !== 'help');
          process.stderr.write(
            `error: '${word}' is not a command of \`${path}\`${known.length > 0 ? ` (commands: ${known.join(', ')})` : ''}\n`,
          );
          process.exit(EXIT_USAGE);
        }
        command = next;
      }
      command.outputHelp();
      process.exit(EXIT_OK);
    });
}
