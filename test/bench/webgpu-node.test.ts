import { describe, expect, it } from 'vitest';
import { acceptSharedMemoryUploads, type QueueClass } from '../../bench/webgpu-node.ts';

/**
 * A queue that behaves as dawn.node's does: "Invalid argument" for a view of a SharedArrayBuffer, and
 * otherwise records the bytes it was given (dataOffset and size in elements of a typed array).
 */
function dawnLikeQueue() {
  const uploads: number[][] = [];
  class Queue {
    writeBuffer(
      _buffer: unknown,
      bufferOffset: number,
      data: ArrayBufferView | ArrayBuffer,
      dataOffset = 0,
      size?: number,
    ): void {
      if (ArrayBuffer.isView(data) && data.buffer instanceof SharedArrayBuffer)
        throw new Error('Invalid argument');
      const view = ArrayBuffer.isView(data) ? data : new Uint8Array(data);
      const element = (view as { BYTES_PER_ELEMENT?: number }).BYTES_PER_ELEMENT ?? 1;
      const start = view.byteOffset + dataOffset * element;
      const length = size === undefined ? view.byteLength - dataOffset * element : size * element;
      uploads.push([bufferOffset, ...new Uint8Array(view.buffer, start, length)]);
    }
  }
  return { Queue, uploads };
}

describe('Dawn in Node: uploads from shared wasm memory', () => {
  it('a dawn.node-like queue rejects a view of shared memory (what failed every WebGPU session)', () => {
    const { Queue } = dawnLikeQueue();
    const shared = new Uint8Array(new SharedArrayBuffer(8));
    expect(() => new Queue().writeBuffer({}, 0, shared)).toThrow('Invalid argument');
  });

  it('after the shim, the same bytes arrive: whole views, offsets and sizes in elements', () => {
    const { Queue, uploads } = dawnLikeQueue();
    acceptSharedMemoryUploads(Queue as unknown as QueueClass);
    const memory = new SharedArrayBuffer(64);
    const bytes = new Uint8Array(memory);
    for (let i = 0; i < bytes.length; i++) bytes[i] = i;
    const queue = new Queue();
    queue.writeBuffer({}, 16, new Uint8Array(memory, 8, 4)); // a view into the middle of the memory
    queue.writeBuffer({}, 0, new Float32Array(memory, 16, 4), 1, 2); // elements 1-2 of a float view
    const plain = Uint8Array.of(9, 8, 7);
    queue.writeBuffer({}, 4, plain, 1); // not shared: passed through untouched
    expect(uploads).toEqual([
      [16, 8, 9, 10, 11],
      [0, 20, 21, 22, 23, 24, 25, 26, 27],
      [4, 8, 7],
    ]);
  });
});
