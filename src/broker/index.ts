// The embeddable broker: filled in by the broker issue.
export {};
