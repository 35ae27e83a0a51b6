/**
 * Which Cornerstone the Cornerstone suites ran on: under `vitest.cornerstone-5.6.config.ts` it must be
 * 5.6.8 (else the compatibility run would silently test 5.14 twice). Runs in both configurations.
 */
import { describe, expect, it } from 'vitest';
import { cornerstone, cornerstoneTools } from '../helpers/cornerstone.ts';

describe('the Cornerstone under test', () => {
  it('is the one this run names, core and tools alike', () => {
    const expected = process.env.ROBUSTMEDSAM_CORNERSTONE_VERSION;
    expect(cornerstone.version).toMatch(/^5\./);
    if (expected) expect(cornerstone.version).toBe(expected);
    expect(typeof cornerstoneTools.LabelmapBaseTool).toBe('function');
  });
});
