import { ClassicalSegmenter } from '../classical/classical-segmenter.ts';
import { loadModelFolder } from '../model/model-folder-node.ts';
import { ModelSegmenter } from '../model/model-segmenter.ts';
import type { Segmenter } from '../model/segmenter.ts';

/**
 * The engine a CLI command runs: the model in `modelDir` when one is given, else the model-free
 * classical engine. Commands print `segmenter.info` so the user always sees which one ran.
 */
export async function openSegmenter(modelDir: string | undefined): Promise<Segmenter> {
  if (modelDir === undefined) return new ClassicalSegmenter();
  return new ModelSegmenter(await loadModelFolder(modelDir));
}

/** One line for the terminal: which engine, on what. */
export function describeEngine(segmenter: Segmenter): string {
  const { info } = segmenter;
  return info.engine === 'classical'
    ? `${info.label} [${info.backend}] - no model configured; pass --model DIR to run RobustMedSAM`
    : `${info.label} [${info.backend}]`;
}
