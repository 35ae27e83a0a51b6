import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { build } from 'vite';
import { describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_FLAGS } from '../e2e/viewer-harness.ts';
import { missingTools, REPO_ROOT } from '../helpers/tools.ts';
import { corruptionFingerprints } from './fingerprints.ts';

const missing = missingTools({ paths: [CHROMIUM] });

describe.skipIf(missing)('the same seed gives the same pixels in a browser', () => {
  it('matches Node for every corruption and severity in Chromium', async () => {
    // Bundle the corruption code for the browser the way the viewer's build would (Vite, browser conditions).
    const outDir = mkdtempSync(join(tmpdir(), 'robustness-bundle-'));
    try {
      const result = await build({
        configFile: false,
        logLevel: 'silent',
        root: REPO_ROOT,
        build: {
          write: false,
          minify: false,
          outDir,
          lib: {
            entry: join(REPO_ROOT, 'test/robustness/fingerprints.ts'),
            formats: ['iife'],
            name: 'Fingerprints',
          },
        },
      });
      const output = (Array.isArray(result) ? result[0] : result) as {
        output: Array<{ type: string; code?: string }>;
      };
      const code = output.output.find((o) => o.type === 'chunk')?.code ?? '';
      expect(code).toContain('corruptionFingerprints');
      const browser = await chromium.launch({
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_FLAGS,
      });
      try {
        const page = await browser.newPage();
        await page.setContent('<!doctype html><title>fingerprints</title>');
        await page.addScriptTag({ content: code });
        const inBrowser = await page.evaluate(() =>
          (
            globalThis as unknown as { Fingerprints: { corruptionFingerprints(): Record<string, string> } }
          ).Fingerprints.corruptionFingerprints(),
        );
        expect(inBrowser).toEqual(corruptionFingerprints());
      } finally {
        await browser.close();
      }
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});
