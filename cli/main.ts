#!/usr/bin/env -S node --initial-old-space-size=128
// The `sluice` command line. The only place that reads argv, env and config files.
// A thin registry: each command lives in its own module exporting `register(program)`; adding a
// command is one import and one entry in client-commands.ts.
import { Command } from 'commander';
import { SLUICE_VERSION } from '../src/version.js';
import { configure } from './lib/command.js';
import * as serve from './serve.js';

// `sluice serve` (a broker's start, timed in bench/RESULTS.md) loads serve's module alone; every other
// command line loads all the commands (client-commands.ts), which bring the SDK and the codecs.
const serveOnly = process.argv[2] === 'serve';
const COMMANDS = [serve, ...(serveOnly ? [] : (await import('./client-commands.js')).CLIENT_COMMANDS)];

const program = configure(new Command('sluice'))
  .description('Sluice: a log-structured streaming broker (Kafka’s model in one small process)')
  .version(SLUICE_VERSION, '-V, --version', 'print the version');

for (const command of COMMANDS) command.register(program);

await program.parseAsync(process.argv);
