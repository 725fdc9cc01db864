// Request header v0–v2 and response header v0–v1 (Kafka's RequestHeader.json / ResponseHeader.json).
// Header v2 and v1 are the flexible ones: a request in a flexible version of its API uses header v2, a
// response header v1 — except ApiVersions, whose response header is always v0 (a client must read it before
// it knows which versions the broker speaks). The client id keeps its classic int16 length in header v2.
import { int16, int32, message, string } from './schema.js';

export const RequestHeader = message({
  name: 'RequestHeader',
  type: 'header',
  apiKey: -1,
  validVersions: '0-2',
  flexibleVersions: '2+',
  fields: {
    requestApiKey: int16(),
    requestApiVersion: int16(),
    correlationId: int32(),
    clientId: string({ versions: '1+', nullableVersions: '1+', ignorable: true, flexibleVersions: 'none' }),
  },
});

export const ResponseHeader = message({
  name: 'ResponseHeader',
  type: 'header',
  apiKey: -1,
  validVersions: '0-1',
  flexibleVersions: '1+',
  fields: {
    correlationId: int32(),
  },
});
