import type { Box } from './prompts.ts';
import type { Prompt, PromptPoint } from './segmenter.ts';

/** What a refinement keeps of each step's result: at least the model's low-res logits. */
export interface StepResult {
  /** 256 x 256 low-res logits; empty for engines without (the classical engine). */
  lowResLogits: Float32Array;
}

/**
 * One box-prompt interaction on one slice: the box, the clicks after it, and the result of every step.
 * Each click's prompt is the box, all points so far and the previous step's low-res logits as
 * `mask_input`, as SAM's interactive loop feeds them back. Removing the last point goes back to the
 * step before it exactly (its stored result), rather than re-running the model without that point:
 * what the user saw before the click is what they get back.
 */
export class Refinement<R extends StepResult> {
  readonly box: Box;
  private readonly clicks: PromptPoint[] = [];
  /** results[k] is the result with the first k points. */
  private readonly results: R[];

  constructor(box: Box, boxResult: R) {
    this.box = box;
    this.results = [boxResult];
  }

  /** An independent copy with the same steps (results are shared: they are never changed). */
  copy(): Refinement<R> {
    const copy = new Refinement(this.box, this.results[0]);
    copy.clicks.push(...this.clicks);
    copy.results.push(...this.results.slice(1));
    return copy;
  }

  get points(): readonly PromptPoint[] {
    return this.clicks;
  }

  /** The result shown now (the last step's). */
  get current(): R {
    return this.results[this.results.length - 1];
  }

  /** The prompt that adds `point`: box, every point with it, and the current low-res logits. */
  promptWith(point: PromptPoint): Prompt {
    const logits = this.current.lowResLogits;
    return {
      box: this.box,
      points: [...this.clicks, point],
      ...(logits.length > 0 ? { maskInput: logits } : {}),
    };
  }

  /** Records the result of `promptWith(point)`. */
  push(point: PromptPoint, result: R): void {
    this.clicks.push(point);
    this.results.push(result);
  }

  /** Drops the last point and its result; the step before it is current again. False when no point is left. */
  pop(): boolean {
    if (this.clicks.length === 0) return false;
    this.clicks.pop();
    this.results.pop();
    return true;
  }
}
