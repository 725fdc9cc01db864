// Recognises clients that speak another protocol on the native port, from the first bytes they send, so
// the broker can say so in its log (and in a reply: to an HTTP client a 400, to a TLS client on the native
// port a plaintext line its handshake fails on at once) instead of a bare framing error:
//   HTTP   an ASCII method and a space ("GET ", "POST ", …), or HTTP/2's preface "PRI * HTTP/2.0"
//   TLS    a handshake record: 0x16, then version 3.x
//   Kafka  a Kafka request header: int32 size, then int16 apiKey 0..99 and int16 apiVersion 0..20 — which the
//          native framing reads as a headerLength (apiKey << 16 | apiVersion) larger than the whole frame
// A native frame never matches: its bytes 4..8 are a headerLength smaller than its frameLength.

export interface ForeignProtocol {
  protocol: 'HTTP' | 'TLS' | 'Kafka';
  /** What was seen, for the log: "GET /metrics", "ApiVersions v3". */
  seen: string;
}

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE', 'PRI'];

/** Kafka request headers as a sniff recognises them: apiKey 0..KAFKA_API_KEY_MAX, apiVersion 0..KAFKA_API_VERSION_MAX. */
const KAFKA_API_KEY_MAX = 99;
const KAFKA_API_VERSION_MAX = 20;

/** Kafka's names for the API keys a client sends first. */
const KAFKA_APIS: Record<number, string> = {
  0: 'Produce',
  1: 'Fetch',
  3: 'Metadata',
  17: 'SaslHandshake',
  18: 'ApiVersions',
};

/** The foreign protocol `first` (the connection's first bytes, at least 8 of them) belongs to, or null. */
export function identifyForeignProtocol(first: Buffer): ForeignProtocol | null {
  if (first.length < 8) return null;
  const text = first.toString('latin1');
  const space = text.indexOf(' ');
  if (space > 0 && HTTP_METHODS.includes(text.slice(0, space))) {
    const target = text.slice(space + 1).split(/[ \r\n]/)[0] ?? '';
    return { protocol: 'HTTP', seen: `${text.slice(0, space)} ${target}`.trim() };
  }
  if (first[0] === 0x16 && first[1] === 0x03) return { protocol: 'TLS', seen: 'a TLS handshake' };
  const size = first.readInt32BE(0);
  const apiKey = first.readInt16BE(4);
  const apiVersion = first.readInt16BE(6);
  if (
    size >= 8 &&
    apiKey >= 0 &&
    apiKey <= KAFKA_API_KEY_MAX &&
    apiVersion >= 0 &&
    apiVersion <= KAFKA_API_VERSION_MAX &&
    first.readUInt32BE(4) > size - 4
  ) {
    return { protocol: 'Kafka', seen: `${KAFKA_APIS[apiKey] ?? `apiKey ${apiKey}`} v${apiVersion}` };
  }
  return null;
}

/** One sentence for the log: what connected, and where it should go instead. */
export function foreignProtocolMessage(
  found: ForeignProtocol,
  nativePort: number,
  kafkaPort?: number,
  tlsPort?: number,
): string {
  const here = `port ${nativePort} speaks only Sluice's native protocol (the Sluice SDK and CLI)`;
  switch (found.protocol) {
    case 'Kafka':
      return `a Kafka-protocol client connected to the native port (it sent ${found.seen}): ${here}; ${
        kafkaPort === undefined
          ? 'this broker has no Kafka listener yet'
          : `point Kafka clients at port ${kafkaPort}, the Kafka listener`
      }`;
    case 'HTTP':
      return `an HTTP client connected to the native port (${found.seen}): ${here}; this broker serves no HTTP`;
    case 'TLS':
      return `a TLS client connected to the native port (${found.seen}): ${here}, without TLS; ${
        tlsPort === undefined ? 'this broker has no TLS listener (--tls-port)' : `its TLS listener is port ${tlsPort}`
      }`;
  }
}

/** A plain-text HTTP 400 an HTTP client (curl, a browser) shows its user. */
export function httpRefusal(message: string): string {
  const body = `${message}\n`;
  return `HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}
