/**
 * Keeps the model ahead of the user: when a viewport shows a new slice, that slice is encoded at once
 * and its neighbours (+-radius, nearest first) in idle time, so a box drawn there needs only the
 * decoder. Navigating again cancels whatever has not started. The worker's engine holds the results
 * in its bounded embedding cache.
 */
import type { Types } from '@cornerstonejs/core';
import type { BoxPromptController } from './box-prompt-controller.ts';
import { core } from './libraries.ts';

type IdleHandle = number;
const requestIdle: (cb: () => void) => IdleHandle =
  typeof requestIdleCallback === 'function'
    ? (cb) => requestIdleCallback(cb, { timeout: 500 })
    : (cb) => setTimeout(cb, 50) as unknown as number;
const cancelIdle: (h: IdleHandle) => void =
  typeof cancelIdleCallback === 'function' ? cancelIdleCallback : (h) => clearTimeout(h);

export interface NeighbourEncoderOptions {
  /** Slices on each side to encode ahead; 0 encodes only the slice shown. */
  radius: number;
}

export class NeighbourEncoder {
  private readonly controller: BoxPromptController;
  options: NeighbourEncoderOptions;
  private generation = 0;
  private idle: IdleHandle | null = null;
  private detach: (() => void) | null = null;

  constructor(controller: BoxPromptController, options: NeighbourEncoderOptions) {
    this.controller = controller;
    this.options = options;
  }

  /** Follows one viewport's navigation until `stop`. */
  follow(viewport: Types.IStackViewport): void {
    this.stop();
    const { Events } = core().Enums;
    const onNewImage = () => void this.encodeAround(viewport);
    viewport.element.addEventListener(Events.STACK_NEW_IMAGE, onNewImage);
    viewport.element.addEventListener(Events.VOLUME_NEW_IMAGE, onNewImage);
    this.detach = () => {
      viewport.element.removeEventListener(Events.STACK_NEW_IMAGE, onNewImage);
      viewport.element.removeEventListener(Events.VOLUME_NEW_IMAGE, onNewImage);
    };
    void this.encodeAround(viewport);
  }

  stop(): void {
    this.detach?.();
    this.detach = null;
    this.cancel();
  }

  /** Drops pending neighbour work (a running encode finishes in the worker). */
  cancel(): void {
    this.generation++;
    if (this.idle !== null) cancelIdle(this.idle);
    this.idle = null;
    void this.controller.client.cancelBackground().catch(() => undefined);
  }

  async encodeAround(viewport: Types.IStackViewport): Promise<void> {
    this.cancel();
    const generation = this.generation;
    const ids = viewport.getImageIds();
    const current = viewport.getCurrentImageIdIndex();
    if (!ids.length || !this.controller.client.status) return;
    const window = this.controller.windowFor(viewport);
    const order = [current];
    for (let d = 1; d <= this.options.radius; d++) {
      if (current + d < ids.length) order.push(current + d);
      if (current - d >= 0) order.push(current - d);
    }
    const next = async (i: number): Promise<void> => {
      if (generation !== this.generation || i >= order.length) return;
      try {
        const slice = await this.controller.sliceFor(ids[order[i]]);
        if (generation !== this.generation) return;
        // The slice on screen is interactive work; neighbours wait behind any box the user draws.
        void this.controller.client.encode(slice, { window, background: i > 0 }).catch(() => undefined);
      } catch {
        // A neighbour that fails to load is simply not pre-encoded.
      }
      this.idle = requestIdle(() => void next(i + 1));
    };
    await next(0);
  }
}
