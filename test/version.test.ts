import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PRODUCT_VERSION } from '../src/version.ts';
import { REPO_ROOT } from './helpers/tools.ts';

describe('the product version', () => {
  it('is the one package.json declares', () => {
    expect(PRODUCT_VERSION).toBe(JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')).version);
  });
});
