// Where the web console's static files are at run time. The build copies src/http/console/ beside this
// module's output (dist/src/http/console/) and beside the bundled `sluice` binary's chunks
// (dist/bin/console/), so a path relative to the module that computes it is right in both.
import { fileURLToPath } from 'node:url';

export const CONSOLE_DIR = fileURLToPath(new URL('./console/', import.meta.url));
