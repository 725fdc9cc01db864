// Calls to the broker's REST API (the same routes as /docs lists), with the signed-in credentials.
import { authorization, signedOut } from './sign-in.js';

let clusterPath;

export async function request(method, path, body) {
  const headers = body === undefined ? {} : { 'content-type': 'application/json' };
  const auth = authorization();
  if (auth) headers.authorization = auth;
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 401) signedOut();
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : null;
  if (!response.ok && response.status !== 207) throw new Error(parsed?.message ?? `HTTP ${response.status}`);
  return parsed;
}

/** "/v3/clusters/<id>", looked up once. */
export async function cluster() {
  if (!clusterPath) {
    const list = await request('GET', '/v3/clusters');
    clusterPath = `/v3/clusters/${encodeURIComponent(list.data[0].cluster_id)}`;
  }
  return clusterPath;
}

export async function get(path) {
  return request('GET', `${await cluster()}${path}`);
}

export async function post(path, body) {
  return request('POST', `${await cluster()}${path}`, body);
}

export function formatBytes(n) {
  if (n < 0) return 'unknown';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
