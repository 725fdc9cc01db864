// Public surface of the storage engine.
export {};
