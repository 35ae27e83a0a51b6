import { InputError } from '../errors.ts';
import type { ToInputFrame } from './contract.ts';
import { LOW_RES_SIDE } from './input-frame.ts';
import type { Prompt, PromptPoint } from './segmenter.ts';

/**
 * The one box shape: two opposite corners in slice pixel coordinates (x = column, y = row, at pixel
 * centres). As drawn or typed the corners may come in any order; `normaliseBox` sorts them and keeps
 * them inside the image.
 */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** The decoder's prompt inputs (point_coords, point_labels, mask_input, has_mask_input), in the 1024 input frame. */
export interface DecoderPrompt {
  /** [1, n, 2] */
  pointCoords: Float32Array;
  /** [1, n]: 1 include, 0 exclude, 2 box top-left, 3 box bottom-right, -1 padding. */
  pointLabels: Float32Array;
  n: number;
  /** [1, 1, 256, 256] */
  maskInput: Float32Array;
  /** [1]: 1 when maskInput holds an earlier low-res mask. */
  hasMaskInput: Float32Array;
}

const HINT = 'Draw the box over the organ, inside the image.';

/**
 * Sorts a box dragged in any direction and clamps it to the pixel centres of the image
 * ([0, columns - 1] x [0, rows - 1]). A box wholly outside the image, or one with no width or height
 * once clamped, is an InputError: it would give the model nothing to segment.
 */
export function normaliseBox(box: Box, rows: number, columns: number): Box {
  for (const key of ['x0', 'y0', 'x1', 'y1'] as const) {
    if (!Number.isFinite(box[key])) {
      throw new InputError('invalid-box', `Box corner ${key} is ${box[key]}, not a number.`, HINT);
    }
  }
  const left = Math.min(box.x0, box.x1);
  const right = Math.max(box.x0, box.x1);
  const top = Math.min(box.y0, box.y1);
  const bottom = Math.max(box.y0, box.y1);
  const describe = `(${box.x0}, ${box.y0})-(${box.x1}, ${box.y1})`;
  if (right < 0 || bottom < 0 || left > columns - 1 || top > rows - 1) {
    throw new InputError(
      'box-outside-image',
      `Box ${describe} lies wholly outside the ${columns}x${rows} image (columns x rows).`,
      HINT,
    );
  }
  const clamped = {
    x0: clamp(left, 0, columns - 1),
    y0: clamp(top, 0, rows - 1),
    x1: clamp(right, 0, columns - 1),
    y1: clamp(bottom, 0, rows - 1),
  };
  if (clamped.x1 <= clamped.x0 || clamped.y1 <= clamped.y0) {
    throw new InputError(
      'box-zero-area',
      `Box ${describe} has no area inside the image (${clamped.x1 - clamped.x0} wide, ${clamped.y1 - clamped.y0} high).`,
      HINT,
    );
  }
  return clamped;
}

/**
 * Every engine's rule for include / exclude points: a finite position on the image and label 1 or 0;
 * anything else is an InputError naming the point. "On the image" is the pixels' extent, half a pixel
 * beyond the edge centres ([-0.5, columns - 0.5]): a click on the outer half of an edge pixel is on
 * that pixel.
 */
export function checkPoints(points: readonly PromptPoint[], rows: number, columns: number): void {
  for (const [i, p] of points.entries()) {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) {
      throw new InputError('invalid-point', `Point ${i} is (${p.x}, ${p.y}), not a position.`, HINT);
    }
    if (p.label !== 0 && p.label !== 1) {
      throw new InputError(
        'invalid-point',
        `Point ${i} has label ${p.label}; use 1 (include) or 0 (exclude).`,
      );
    }
    if (p.x < -0.5 || p.y < -0.5 || p.x > columns - 0.5 || p.y > rows - 0.5) {
      throw new InputError(
        'point-outside-image',
        `Point ${i} (${p.x}, ${p.y}) lies outside the ${columns}x${rows} image (columns x rows).`,
        'Place points on the image.',
      );
    }
  }
}

/**
 * Builds the decoder's prompt tensors: points first (labels 1/0), then the box as two points labelled
 * 2 and 3, as SAM's prompt encoder orders sparse embeddings. The padding point (0, 0, -1) is added only
 * when there is no box, as SamPredictor does. `toFrame` takes slice pixels to the input frame.
 */
export function buildDecoderPrompt(
  prompt: Prompt,
  rows: number,
  columns: number,
  toFrame: ToInputFrame,
): DecoderPrompt {
  const points = prompt.points ?? [];
  if (!prompt.box && points.length === 0) {
    throw new InputError('empty-prompt', 'The prompt has neither a box nor points.', HINT);
  }
  checkPoints(points, rows, columns);
  const coords: number[] = [];
  const labels: number[] = [];
  for (const p of points) {
    coords.push(...toFrame(p.x, p.y));
    labels.push(p.label);
  }
  if (prompt.box) {
    const b = normaliseBox(prompt.box, rows, columns);
    coords.push(...toFrame(b.x0, b.y0), ...toFrame(b.x1, b.y1));
    labels.push(2, 3);
  } else {
    coords.push(0, 0);
    labels.push(-1);
  }
  const maskInput = new Float32Array(LOW_RES_SIDE * LOW_RES_SIDE);
  const hasMaskInput = new Float32Array(1);
  if (prompt.maskInput) {
    if (prompt.maskInput.length !== maskInput.length) {
      throw new InputError(
        'invalid-mask-input',
        `maskInput has ${prompt.maskInput.length} values; it must be the ${LOW_RES_SIDE}x${LOW_RES_SIDE} low-res logits of an earlier result.`,
        'Pass the lowResLogits of an earlier segment() of the same slice.',
      );
    }
    maskInput.set(prompt.maskInput);
    hasMaskInput[0] = 1;
  }
  return {
    pointCoords: Float32Array.from(coords),
    pointLabels: Float32Array.from(labels),
    n: labels.length,
    maskInput,
    hasMaskInput,
  };
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : Math.min(v, hi);
}
