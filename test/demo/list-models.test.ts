import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listModels } from '../../extension/demo/local-data-plugin.ts';
import { int8Manifest } from '../helpers/int8-manifest.ts';
import { FIXTURE_MODELS } from '../model/model-fixtures.ts';

/** /models/index.json of the plain demo: each folder its own choice, an int8 one saying what it trades. */
describe('demo model list (local-data-plugin listModels)', () => {
  const root = mkdtempSync(join(tmpdir(), 'rmsam-models-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('lists an int8 folder beside its fp32 one, with the trade from its manifest', () => {
    const write = (id: string, manifest: unknown) => {
      mkdirSync(join(root, id), { recursive: true });
      writeFileSync(join(root, id, 'model.json'), JSON.stringify(manifest));
    };
    write('vit_b', JSON.parse(readFileSync(join(FIXTURE_MODELS, 'tiny-robust', 'model.json'), 'utf8')));
    write('vit_b-int8', int8Manifest());
    write('broken', { name: 'Hand-edited', version: '2', precision: 'int3' });
    const models = listModels(root).sort((a, b) => a.id.localeCompare(b.id));
    expect(models.map((m) => m.id)).toEqual(['broken', 'vit_b', 'vit_b-int8']);
    const [broken, fp32, int8] = models;
    expect(fp32.trade).toBeNull();
    expect(int8.label).toBe(`${fp32.label} int8`);
    expect(int8.trade).toMatch(
      /^int8 encoder: 2\.4x smaller .* ~1\.6x faster first box on CPU, masks agree ~93% \(Dice\) with fp32/,
    );
    // An invalid model.json is still offered, so that loading it tells the user what is wrong.
    expect(broken).toEqual({
      id: 'broken',
      name: 'Hand-edited',
      version: '2',
      label: 'Hand-edited 2',
      trade: null,
    });
  });
});
