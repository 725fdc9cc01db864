// Public API of the `sluice` package: the embeddable broker and the kafkajs-shaped client SDK.
export * from './broker/index.js';
export * from './client/index.js';
