// Public API of the `sluice` package. Filled in as the broker and SDK land.
export {};
