// Splits a byte stream into lines without decoding it: each line is a Buffer view into the chunk
// that holds it (only a line that straddles two chunks is copied). "\r\n" endings lose the "\r".
export class LineSplitter {
  private carry: Buffer | null = null;

  /** Lines completed by `chunk`; a trailing partial line waits for the next chunk or {@link end}. */
  push(chunk: Buffer, out: Buffer[] = []): Buffer[] {
    let buf = chunk;
    if (this.carry) {
      const nl = chunk.indexOf(10);
      if (nl === -1) {
        this.carry = Buffer.concat([this.carry, chunk]);
        return out;
      }
      out.push(trimCr(Buffer.concat([this.carry, chunk.subarray(0, nl)])));
      this.carry = null;
      buf = chunk.subarray(nl + 1);
    }
    let start = 0;
    for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
      out.push(trimCr(buf.subarray(start, nl)));
      start = nl + 1;
    }
    if (start < buf.length) this.carry = Buffer.from(buf.subarray(start));
    return out;
  }

  /** The last line when the input did not end with a newline. */
  end(): Buffer | null {
    const last = this.carry;
    this.carry = null;
    return last && last.length > 0 ? trimCr(last) : null;
  }
}

function trimCr(line: Buffer): Buffer {
  return line.length > 0 && line[line.length - 1] === 13 ? line.subarray(0, line.length - 1) : line;
}
