// ShareFetch for raw-protocol tests: the newest version, its answer with `records` read from the slices (v3
// sends records as slices of their batches, read here with the SDK's own reader) so tests check offsets,
// values and delivery counts whatever the version.
import { type DeliveredRecord, deliverSlices } from '../../src/client/share/delivered.js';
import {
  type ApiSpec,
  ShareFetchApi,
  type ShareFetchRequest,
  type ShareFetchResponse,
} from '../../src/protocol/index.js';

type WithRecords = Omit<ShareFetchResponse, 'records'> & { records: DeliveredRecord[] };

export const ShareFetchRecordsApi = {
  ...ShareFetchApi,
  decodeResponse(body: unknown, tail: Buffer, version: number): WithRecords {
    const response = ShareFetchApi.decodeResponse(body, tail, version);
    const records: DeliveredRecord[] = [];
    deliverSlices(response.slices, (r) => records.push(r));
    return { ...response, records };
  },
} as unknown as ApiSpec<ShareFetchRequest, WithRecords>;
