import { readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelError } from '../../src/errors.ts';
import { loadModelFolder } from '../../src/model/model-folder-node.ts';
import { bytesModelSource, fetchModelSource, loadModel } from '../../src/model/model-loader.ts';
import { nodeSessionFactory } from '../../src/model/session-node.ts';
import { webSessionFactory } from '../../src/model/session-web.ts';
import {
  copyOfFixture,
  FIXTURE_MODELS,
  readManifest,
  replaceGraph,
  writeManifest,
} from './model-fixtures.ts';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});
function scratch(name: 'tiny-robust' | 'tiny-sam' = 'tiny-robust'): string {
  const { dir, cleanup } = copyOfFixture(name);
  cleanups.push(cleanup);
  return dir;
}

async function loadError(dir: string): Promise<ModelError> {
  try {
    const model = await loadModelFolder(dir);
    await model.release();
  } catch (e) {
    expect(e).toBeInstanceOf(ModelError);
    return e as ModelError;
  }
  throw new Error(`${dir} loaded although it is broken`);
}

describe('loading a model folder', () => {
  it('loads both fixture folders on onnxruntime-node, checking sizes, sha256s and graph I/O', async () => {
    for (const name of ['tiny-robust', 'tiny-sam']) {
      const model = await loadModelFolder(join(FIXTURE_MODELS, name));
      expect(model.encoder.backend).toBe('onnxruntime-node cpu');
      expect(model.decoder.inputs.map((i) => i.name)).toEqual(
        model.manifest.graphs.decoder.inputs.map((i) => i.name),
      );
      await model.release();
    }
  });

  it('loads from bytes on onnxruntime-web (wasm in Node), as the browser does', async () => {
    const dir = join(FIXTURE_MODELS, 'tiny-robust');
    const manifest = readManifest(dir);
    const files: Record<string, Uint8Array | string> = {
      'model.json': readFileSync(join(dir, 'model.json'), 'utf8'),
    };
    for (const role of ['encoder', 'decoder']) {
      const file = manifest.graphs[role].file;
      files[file] = new Uint8Array(readFileSync(join(dir, file)));
    }
    const { factory, choice } = await webSessionFactory({ numThreads: 2 });
    expect(choice.description).toBe('onnxruntime-web wasm (2 threads)');
    const model = await loadModel(bytesModelSource(files), factory);
    expect(model.decoder.backend).toBe('onnxruntime-web wasm (2 threads)');
    await model.release();
  });
});

describe('loading over HTTP (fetchModelSource)', () => {
  const dir = join(FIXTURE_MODELS, 'tiny-sam');
  const served = (missing?: string): typeof fetch =>
    (async (url: string | URL | Request) => {
      const file = String(url).split('/').pop()!;
      if (file === missing) return new Response('not found', { status: 404 });
      return new Response(readFileSync(join(dir, file)));
    }) as typeof fetch;

  it('fetches model.json and the graphs beside it', async () => {
    const model = await loadModel(
      fetchModelSource('https://models.example/tiny-sam/', served()),
      nodeSessionFactory(),
    );
    expect(model.location).toBe('https://models.example/tiny-sam');
    expect(model.manifest.contract).toBe('medsam');
    await model.release();
  });

  it('a graph the server does not have is a ModelError naming its URL', async () => {
    const source = fetchModelSource('https://models.example/tiny-sam', served('decoder.onnx'));
    await expect(loadModel(source, nodeSessionFactory())).rejects.toThrow(
      /Cannot fetch https:\/\/models\.example\/tiny-sam\/decoder\.onnx: HTTP 404/,
    );
  });
});

describe('a broken model folder is a ModelError naming the problem', () => {
  it('not a model folder: model.json missing', async () => {
    const dir = scratch();
    rmSync(join(dir, 'model.json'));
    const e = await loadError(dir);
    expect(e.code).toBe('manifest-missing');
    expect(e.message).toMatch(/model\.json does not exist: this is not a model folder/);
  });

  it('missing graph', async () => {
    const dir = scratch();
    rmSync(join(dir, readManifest(dir).graphs.decoder.file));
    const e = await loadError(dir);
    expect(e.code).toBe('graph-missing');
    expect(e.message).toMatch(/decoder\.onnx does not exist \(model\.json names it\)/);
  });

  it('truncated graph', async () => {
    const dir = scratch();
    const manifest = readManifest(dir);
    truncateSync(join(dir, manifest.graphs.encoder.file), Math.floor(manifest.graphs.encoder.bytes / 2));
    const e = await loadError(dir);
    expect(e.code).toBe('graph-size-mismatch');
    expect(e.message).toMatch(
      /encoder graph .*encoder\.onnx has \d+ bytes; model\.json says \d+ \(truncated\)/,
    );
  });

  it('sha256 mismatch (same size, one byte changed)', async () => {
    const dir = scratch();
    const path = join(dir, readManifest(dir).graphs.decoder.file);
    const bytes = readFileSync(path);
    bytes[bytes.length - 10] ^= 0xff;
    writeFileSync(path, bytes);
    const e = await loadError(dir);
    expect(e.code).toBe('graph-sha256-mismatch');
    expect(e.message).toMatch(/decoder graph .* has sha256 [0-9a-f]{64}; model\.json says [0-9a-f]{64}/);
  });

  it('manifest that does not validate, or is not JSON', async () => {
    const dir = scratch();
    const manifest = readManifest(dir);
    manifest.contract = 'nnunet';
    writeManifest(dir, manifest);
    let e = await loadError(dir);
    expect(e.code).toBe('invalid-manifest');
    expect(e.message).toMatch(/model\.json: contract must be one of "sam", "medsam", found "nnunet"/);
    writeFileSync(join(dir, 'model.json'), '{ "format": ');
    e = await loadError(dir);
    expect(e.code).toBe('invalid-manifest');
    expect(e.message).toMatch(/model\.json is not JSON/);
  });

  it('graph I/O not matching the manifest: a plain SAM decoder where a robust one is declared', async () => {
    const dir = scratch('tiny-robust');
    const samDir = join(FIXTURE_MODELS, 'tiny-sam');
    replaceGraph(dir, 'decoder', readFileSync(join(samDir, readManifest(samDir).graphs.decoder.file)));
    const e = await loadError(dir);
    expect(e.code).toBe('graph-io-mismatch');
    expect(e.message).toMatch(
      /decoder graph's inputs do not match model\.json: model\.json lists "robust_features" which the graph lacks/,
    );
  });

  it('graph I/O not matching the manifest: a channel count the graph does not have', async () => {
    const dir = scratch('tiny-robust');
    const manifest = readManifest(dir);
    const declared = manifest.graphs.encoder.outputs.find(
      (o: { name: string }) => o.name === 'image_embeddings',
    );
    const channels = declared.shape[1];
    declared.shape[1] = channels + 1;
    manifest.graphs.decoder.inputs.find((o: { name: string }) => o.name === 'image_embeddings').shape[1] =
      channels + 1;
    writeManifest(dir, manifest);
    const e = await loadError(dir);
    expect(e.code).toBe('graph-io-mismatch');
    expect(e.message).toContain(
      `encoder graph's output "image_embeddings" has shape [1, ${channels}, 64, 64]`,
    );
  });

  it('a file with the right size and sha256 that is not an ONNX graph', async () => {
    const dir = scratch();
    replaceGraph(dir, 'encoder', new TextEncoder().encode('this is not a protobuf'.repeat(10)));
    const e = await loadError(dir);
    expect(e.code).toBe('graph-unloadable');
    expect(e.message).toMatch(/encoder graph cannot be loaded by onnxruntime-node/);
  });
});
