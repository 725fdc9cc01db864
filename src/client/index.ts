// The kafkajs-shaped client SDK: filled in by the broker/SDK issue.
export {};
