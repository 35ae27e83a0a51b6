import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelLabel, modelTrade } from '../../src/model/model-choice.ts';
import { validateManifest } from '../../src/model/validate-manifest.ts';
import { int8Manifest } from '../helpers/int8-manifest.ts';
import { FIXTURE_MODELS } from './model-fixtures.ts';

describe('model choice: label and trade from the manifest', () => {
  it('an fp32 folder is named as before and trades nothing', () => {
    const json = JSON.parse(readFileSync(join(FIXTURE_MODELS, 'tiny-robust', 'model.json'), 'utf8'));
    const m = validateManifest(json);
    expect(modelLabel(m)).toBe(`${m.name} ${m.version}`);
    expect(modelTrade(m)).toBeNull();
  });

  it('an fp16 folder is labelled fp16 and says its encoder weights are halved', () => {
    const json = JSON.parse(readFileSync(join(FIXTURE_MODELS, 'tiny-robust', 'model.json'), 'utf8'));
    const m = validateManifest({ ...json, precision: 'fp16' });
    expect(modelLabel(m)).toBe(`${m.name} ${m.version} fp16`);
    expect(modelTrade(m)).toBe('fp16 encoder weights: about half the download of fp32');
  });

  it('an int8 folder says its size, speed and mask agreement against fp32', () => {
    const m = int8Manifest();
    expect(modelLabel(m)).toBe(`${m.name} ${m.version} int8`);
    expect(modelTrade(m)).toBe(
      'int8 encoder: 2.4x smaller (246 instead of 596 MB), ~1.6x faster first box on CPU, masks agree ~93% (Dice) with fp32 on the bundled samples (ViT-B random weights)',
    );
  });

  it('an int8 folder never compared with fp32 says so instead of promising a figure', () => {
    const trade = modelTrade(int8Manifest(false));
    expect(trade).toMatch(/^int8 encoder: 2\.4x smaller .*, faster first box on CPU, /);
    expect(trade).toMatch(/masks not compared with fp32 for this folder: check it on your own cases$/);
  });
});
