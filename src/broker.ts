// `sluice/broker`: the embeddable broker alone.
export * from './broker/index.js';
