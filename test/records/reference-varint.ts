// An independent reference for Kafka's varints in tests: zigzag + LEB128 over BigInt, as Kafka's
// ByteUtils.writeVarlong, with none of src/records' fast paths.
export function referenceVarlong(value: bigint): Buffer {
  let zz = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
  const out: number[] = [];
  while (zz >= 0x80n) {
    out.push(Number(zz & 0x7fn) | 0x80);
    zz >>= 7n;
  }
  out.push(Number(zz));
  return Buffer.from(out);
}
