/**
 * Node-only: model folders on disk. Never import this file from browser code (it uses node:fs).
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ModelError } from '../errors.ts';
import { type LoadedModel, loadModel, MANIFEST_FILE, type ModelSource } from './model-loader.ts';
import type { SessionFactory } from './session.ts';
import { nodeSessionFactory } from './session-node.ts';

export function folderModelSource(folder: string): ModelSource {
  const location = resolve(folder);
  const read = async (file: string): Promise<Buffer> => {
    const path = join(location, file);
    try {
      return await readFile(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const isManifest = file === MANIFEST_FILE;
      throw new ModelError(
        code === 'ENOENT' ? (isManifest ? 'manifest-missing' : 'graph-missing') : 'model-unreadable',
        code === 'ENOENT'
          ? `${path} does not exist${isManifest ? ': this is not a model folder' : ' (model.json names it)'}.`
          : `Cannot read ${path}: ${(error as Error).message}.`,
        isManifest
          ? 'Point at a folder made by `npm run export -- onnx ...` (model.json + encoder and decoder graphs).'
          : 'The model folder is incomplete: copy it again or re-export it.',
        { cause: error },
      );
    }
  };
  return {
    location,
    readText: async (file) => (await read(file)).toString('utf8'),
    readBytes: async (file) => {
      const b = await read(file);
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    },
  };
}

/** Loads a model folder from disk; sessions on onnxruntime-node unless another factory is given. */
export function loadModelFolder(
  folder: string,
  createSession: SessionFactory = nodeSessionFactory(),
): Promise<LoadedModel> {
  return loadModel(folderModelSource(folder), createSession);
}
