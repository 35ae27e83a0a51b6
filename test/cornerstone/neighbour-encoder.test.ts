/**
 * Pre-encoding around the slice shown: nearest neighbours first, the slice shown as interactive work
 * and its neighbours as background work, and everything not yet started dropped on navigation.
 */

import '../helpers/cornerstone.ts';
import type { Types } from '@cornerstonejs/core';
import { Enums } from '@cornerstonejs/core';
import { describe, expect, it } from 'vitest';
import type { BoxPromptController } from '../../src/cornerstone/box-prompt-controller.ts';
import { NeighbourEncoder } from '../../src/cornerstone/neighbour-encoder.ts';

function fakes(count: number, start: number) {
  const posted: Array<{ id: string; background: boolean }> = [];
  let cancels = 0;
  const controller = {
    client: {
      status: { info: { engine: 'model', label: 'test', backend: 'test' } },
      encode: async (slice: { sopInstanceUID: string }, o: { background: boolean }) => {
        posted.push({ id: slice.sopInstanceUID, background: o.background });
        return { skipped: false, ms: 1 };
      },
      cancelBackground: async () => {
        cancels++;
      },
    },
    sliceFor: async (imageId: string) => ({ sopInstanceUID: imageId }),
    windowFor: () => undefined,
  } as unknown as BoxPromptController;
  let index = start;
  const element = new EventTarget();
  const viewport = {
    element,
    getImageIds: () => Array.from({ length: count }, (_, i) => `img${i}`),
    getCurrentImageIdIndex: () => index,
  } as unknown as Types.IStackViewport;
  return {
    controller,
    viewport,
    posted,
    cancels: () => cancels,
    navigate(to: number) {
      index = to;
      element.dispatchEvent(new Event(Enums.Events.STACK_NEW_IMAGE));
    },
  };
}

const settle = () => new Promise((r) => setTimeout(r, 600));

describe('NeighbourEncoder', () => {
  it('encodes the slice shown, then its neighbours nearest first, within the radius', async () => {
    const f = fakes(10, 5);
    const encoder = new NeighbourEncoder(f.controller, { radius: 2 });
    encoder.follow(f.viewport);
    await settle();
    encoder.stop();
    expect(f.posted).toEqual([
      { id: 'img5', background: false },
      { id: 'img6', background: true },
      { id: 'img4', background: true },
      { id: 'img7', background: true },
      { id: 'img3', background: true },
    ]);
  });

  it('cancels pending work on navigation and starts around the new slice', async () => {
    const f = fakes(10, 5);
    const encoder = new NeighbourEncoder(f.controller, { radius: 3 });
    encoder.follow(f.viewport);
    await new Promise((r) => setTimeout(r, 10));
    const cancelsBefore = f.cancels();
    f.navigate(0);
    await settle();
    encoder.stop();
    expect(f.cancels()).toBeGreaterThan(cancelsBefore);
    const afterNavigation = f.posted.slice(f.posted.findIndex((p) => p.id === 'img0'));
    expect(afterNavigation).toEqual([
      { id: 'img0', background: false },
      { id: 'img1', background: true },
      { id: 'img2', background: true },
      { id: 'img3', background: true },
    ]);
    // Nothing of the old neighbourhood was posted after the navigation.
    expect(f.posted.length).toBeLessThan(7 + 4);
    expect(f.posted.filter((p) => p.id === 'img8')).toEqual([]);
  });
});
