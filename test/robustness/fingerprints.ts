import {
  corruptImage8,
  corruptModality,
  PAPER_CORRUPTIONS,
  PHYSICAL_CORRUPTIONS,
} from '../../src/robustness/catalogue.ts';
import { fingerprint } from '../../src/robustness/fingerprint.ts';

/**
 * A fingerprint (FNV-1a over the output bytes) of every corruption at every severity on a fixed test
 * picture. Computed in Node and, bundled, in Chromium: equal fingerprints mean equal pixels.
 * Browser-safe: no Node imports.
 */
export function corruptionFingerprints(): Record<string, string> {
  const rows = 40;
  const columns = 36;
  const data = new Uint8Array(rows * columns);
  for (let i = 0; i < data.length; i++)
    data[i] = (i * 37 + (i % 11) * 23 + (i % columns > 20 ? 90 : 0)) % 256;
  const out: Record<string, string> = {};
  for (let severity = 1; severity <= 5; severity++) {
    for (const name of PAPER_CORRUPTIONS) {
      const { image } = corruptImage8(
        { rows, columns, data },
        { name, severity, seed: 12345, sliceIndex: 3 },
      );
      out[`${name}/${severity}`] = fingerprint([image.data]);
    }
    const values = Float32Array.from(data, (v) => v * 5 - 200);
    for (const name of PHYSICAL_CORRUPTIONS) {
      const result = corruptModality(
        { rows, columns, values },
        { name, severity, seed: 12345, sliceIndex: 3 },
        { reference: 1000 },
      );
      out[`${name}/${severity}`] = fingerprint([result.values]);
    }
  }
  return out;
}
