/**
 * sha256 as lower-case hex, through WebCrypto (globalThis.crypto.subtle: in browsers, workers and
 * Node >= 20), so Node and the browser share one implementation.
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle)
    throw new Error('WebCrypto (crypto.subtle) is not available: a secure context (https) is needed.');
  const digest = new Uint8Array(await subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}
