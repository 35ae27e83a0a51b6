/**
 * Connected regions of binary masks on a width x height grid (4-connectivity), for cleaning a
 * thresholded probability map: keep the object the seeds are in, fill the holes inside it.
 */

/** Labels 4-connected regions of pixels where `inside[i]` is non-zero; 0 = outside, 1..n = regions. */
export function labelRegions(
  inside: Uint8Array,
  width: number,
  height: number,
): { labels: Int32Array; count: number } {
  const labels = new Int32Array(width * height);
  const stack = new Int32Array(width * height);
  let count = 0;
  for (let start = 0; start < inside.length; start++) {
    if (!inside[start] || labels[start]) continue;
    count++;
    let top = 0;
    stack[top++] = start;
    labels[start] = count;
    while (top > 0) {
      const i = stack[--top];
      const x = i % width;
      const neighbours = [x > 0 ? i - 1 : -1, x + 1 < width ? i + 1 : -1, i - width, i + width];
      for (const j of neighbours) {
        if (j < 0 || j >= inside.length || !inside[j] || labels[j]) continue;
        labels[j] = count;
        stack[top++] = j;
      }
    }
  }
  return { labels, count };
}

/**
 * The region of `mask` that holds the most pixels of `anchor` (the foreground seeds), or the largest
 * region when no anchor pixel is inside the mask. Everything else is cleared.
 */
export function keepAnchoredRegion(
  mask: Uint8Array,
  anchor: Uint8Array,
  width: number,
  height: number,
): Uint8Array {
  const { labels, count } = labelRegions(mask, width, height);
  if (count <= 1) return mask;
  const anchored = new Int32Array(count + 1);
  const size = new Int32Array(count + 1);
  for (let i = 0; i < labels.length; i++) {
    if (!labels[i]) continue;
    size[labels[i]]++;
    if (anchor[i]) anchored[labels[i]]++;
  }
  let best = 1;
  for (let k = 2; k <= count; k++) {
    if (anchored[k] > anchored[best] || (anchored[k] === anchored[best] && size[k] > size[best])) best = k;
  }
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < labels.length; i++) out[i] = labels[i] === best ? 1 : 0;
  return out;
}

/** The largest region of `mask`; everything else is cleared. */
export function largestRegion(mask: Uint8Array, width: number, height: number): Uint8Array {
  return keepAnchoredRegion(mask, mask, width, height);
}

/** Fills every hole: background regions that do not touch the grid's border become foreground. */
export function fillHoles(mask: Uint8Array, width: number, height: number): Uint8Array {
  const outside = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) outside[i] = mask[i] ? 0 : 1;
  const { labels, count } = labelRegions(outside, width, height);
  const touchesBorder = new Uint8Array(count + 1);
  for (let x = 0; x < width; x++) {
    touchesBorder[labels[x]] = 1;
    touchesBorder[labels[(height - 1) * width + x]] = 1;
  }
  for (let y = 0; y < height; y++) {
    touchesBorder[labels[y * width]] = 1;
    touchesBorder[labels[y * width + width - 1]] = 1;
  }
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) out[i] = mask[i] || (labels[i] && !touchesBorder[labels[i]]) ? 1 : 0;
  return out;
}
