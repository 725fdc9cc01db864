// Base64 of text and of bytes, as the REST API carries header values and BINARY data. `btoa` takes only
// Latin-1 characters (it throws on "é€" or "日本"), so text is encoded as UTF-8 first, byte by byte.

/** The base64 of `text` encoded as UTF-8. */
export function base64OfText(text) {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** The bytes a base64 string holds. */
export function bytesOfBase64(base64) {
  const raw = atob(base64);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return bytes;
}
