/**
 * How a model folder is named and described where a user picks one (the demo's engine list, OHIF's
 * "engine ready" notice, the status line): from its manifest alone, so that any folder the export tool
 * writes describes itself and nothing is written per folder by hand.
 */
import type { ModelManifest } from './manifest.ts';

const MB = 1e6;

/** "RobustMedSAM ViT-B 1.0.0", with the precision when it is not the reference fp32 ("... int8"). */
export function modelLabel(manifest: Pick<ModelManifest, 'name' | 'version' | 'precision'>): string {
  const base = `${manifest.name} ${manifest.version}`;
  return manifest.precision === 'fp32' ? base : `${base} ${manifest.precision}`;
}

/**
 * What this folder trades against its float32 form, in words, or null for a float32 folder (nothing
 * traded). int8: size from `quantization.floatEncoderBytes`, speed and mask agreement from
 * `quantization.measured`; where a figure was never measured the text says so rather than promise one.
 */
export function modelTrade(
  manifest: Pick<ModelManifest, 'precision' | 'quantization' | 'graphs'>,
): string | null {
  if (manifest.precision === 'fp16') return 'fp16 encoder weights: about half the download of fp32';
  if (manifest.precision !== 'int8') return null;
  const q = manifest.quantization;
  const bytes = manifest.graphs.encoder.bytes;
  const parts: string[] = [];
  parts.push(
    q?.floatEncoderBytes
      ? `${(q.floatEncoderBytes / bytes).toFixed(1)}x smaller (${Math.round(bytes / MB)} instead of ${Math.round(q.floatEncoderBytes / MB)} MB)`
      : `${Math.round(bytes / MB)} MB`,
  );
  const measured = q?.measured;
  parts.push(
    measured?.encoderSpeedup
      ? `~${measured.encoderSpeedup.toFixed(1)}x faster first box on CPU`
      : 'faster first box on CPU',
  );
  parts.push(
    measured
      ? `masks agree ~${Math.round(measured.maskDice * 100)}% (Dice) with fp32 on ${measured.on}`
      : 'masks not compared with fp32 for this folder: check it on your own cases',
  );
  return `int8 encoder: ${parts.join(', ')}`;
}
