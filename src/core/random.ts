/**
 * Random identifiers for holders. `crypto.getRandomValues`, not `crypto.randomUUID`: the latter exists
 * only in secure contexts, and the IndexedDB fallback exists precisely for insecure ones (http:// on a LAN).
 */
export function randomId(bytes = 8): string {
  const buffer = new Uint8Array(bytes);
  globalThis.crypto.getRandomValues(buffer);
  let id = '';
  for (const byte of buffer) id += byte.toString(16).padStart(2, '0');
  return id;
}
