/**
 * DICOM UIDs under the 2.25 root (PS3.5 B.2: a UUID written as one decimal integer), so no
 * organisation root is needed. Works in Node and in the browser (Web Crypto).
 */

/** A fresh, globally unique UID. */
export function newUid(): string {
  const hex = globalThis.crypto.randomUUID().replaceAll('-', '');
  return `2.25.${BigInt(`0x${hex}`).toString()}`;
}

/**
 * A UID that is the same every time for the same `seed` (for generated samples and fixtures that are
 * committed and must not change run to run). 128 bits of a seeded FNV-1a-style mix: not
 * cryptographic, but different seeds give different UIDs with overwhelming probability.
 */
export function uidFromSeed(seed: string): string {
  const lanes = [0x811c9dc5, 0x01000193, 0x9e3779b9, 0x85ebca6b];
  for (let i = 0; i < seed.length; i++) {
    const c = seed.charCodeAt(i);
    for (let l = 0; l < 4; l++) {
      lanes[l] = Math.imul(lanes[l] ^ c, 0x01000193 + 2 * l) >>> 0;
      lanes[l] = (lanes[l] ^ (lanes[(l + 1) % 4] >>> 13)) >>> 0;
    }
  }
  let value = 0n;
  for (const lane of lanes) value = (value << 32n) | BigInt(lane >>> 0);
  return `2.25.${value.toString()}`;
}
