/**
 * Mouse gestures on an image, in image pixels (x = column, y = row, pixel centres), for any viewer:
 * `toClient` says where a pixel is on the page (the demo's hook, or OHIF's viewport).
 */
import type { Page } from 'playwright-core';
import type { Box } from '../../src/model/prompts.ts';

export type ToClient = (x: number, y: number) => Promise<[number, number]>;

/** Drags a box from pixel (x0, y0) to (x1, y1). */
export async function dragImageBoxAt(page: Page, toClient: ToClient, box: Box): Promise<void> {
  const [ax, ay] = await toClient(box.x0, box.y0);
  const [bx, by] = await toClient(box.x1, box.y1);
  await page.mouse.move(ax, ay);
  await page.mouse.down();
  await page.mouse.move((ax + bx) / 2, (ay + by) / 2, { steps: 5 });
  await page.mouse.move(bx, by, { steps: 5 });
  await page.mouse.up();
}

/**
 * Clicks pixel (x, y), holding `modifier` (e.g. 'Shift' for an exclude point). Cornerstone holds a click
 * for its double-click window (400 ms) before a tool sees it: two clicks must be further apart than that,
 * which waiting for each click's preview guarantees.
 */
export async function clickImagePointAt(
  page: Page,
  toClient: ToClient,
  point: { x: number; y: number },
  modifier?: 'Shift' | 'Control' | 'Alt' | 'Meta',
): Promise<void> {
  const [cx, cy] = await toClient(point.x, point.y);
  await page.mouse.move(cx, cy);
  if (modifier) await page.keyboard.down(modifier);
  await page.mouse.down();
  await page.mouse.up();
  if (modifier) await page.keyboard.up(modifier);
}
