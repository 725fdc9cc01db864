#!/usr/bin/env node
// The `sluice` command line. The only place that reads argv, env and config files.
process.stdout.write('sluice\n');
