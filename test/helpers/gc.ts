// A full garbage collection on demand, for tests that check what a component lets go of: V8's gc() is
// exposed by flag at run time and taken from a fresh context (the flag does not add it to this one).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');

export const collectGarbage = runInNewContext('gc') as () => void;
