// Sluice's own version. A constant (not read from package.json at run time) so the CommonJS build and
// bundlers need no file lookup; test/package.test.ts checks it equals package.json's "version".
export const SLUICE_VERSION = '0.1.0';
