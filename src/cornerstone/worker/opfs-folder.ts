/**
 * Remembered encodings in the browser: an EntryFolder (src/model/persistent-embeddings.ts) in the
 * origin-private file system (OPFS), `robustmedsam-encodings-v1/` under `navigator.storage.getDirectory()`.
 * In the segmenter's worker, files are written through a sync access handle (one write call, no swap
 * file); elsewhere through a writable stream. Reads go through `getFile()`. Every file operation holds
 * the Web Lock of the folder, so viewers open in several tabs of the origin take turns (a sync access
 * handle is exclusive: a second one on the same file would fail).
 */
import type { EntryFolder } from '../../model/persistent-embeddings.ts';

export const ENCODINGS_FOLDER = 'robustmedsam-encodings-v1';

/** The parts of a sync access handle used here (worker-only, so not in the DOM library's types). */
interface SyncAccessHandle {
  truncate(size: number): void;
  write(buffer: Uint8Array, options?: { at?: number }): number;
  flush(): void;
  close(): void;
}

type FileHandle = FileSystemFileHandle & { createSyncAccessHandle?: () => Promise<SyncAccessHandle> };

const isNotFound = (error: unknown) => (error as { name?: string } | null)?.name === 'NotFoundError';

/** Runs `work` holding the folder's Web Lock (where the browser has Web Locks; else as it comes). */
function locked<T>(name: string, work: () => Promise<T>): Promise<T> {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  return locks ? (locks.request(`${name}-lock`, work) as Promise<T>) : work();
}

/** Opens (creating if needed) the encodings folder; rejects where there is no origin-private file system. */
export async function openOpfsFolder(name = ENCODINGS_FOLDER): Promise<EntryFolder> {
  const storage = (globalThis as { navigator?: { storage?: StorageManager } }).navigator?.storage;
  if (typeof storage?.getDirectory !== 'function') {
    throw new Error('navigator.storage.getDirectory is not available');
  }
  const root = await storage.getDirectory();
  const dir = await root.getDirectoryHandle(name, { create: true });
  const folder: EntryFolder = {
    async read(file) {
      try {
        const handle = await dir.getFileHandle(file);
        return new Uint8Array(await (await handle.getFile()).arrayBuffer());
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async write(file, bytes) {
      const handle = (await dir.getFileHandle(file, { create: true })) as FileHandle;
      if (typeof handle.createSyncAccessHandle === 'function') {
        const access = await handle.createSyncAccessHandle();
        try {
          access.truncate(0);
          const written = access.write(bytes, { at: 0 });
          if (written !== bytes.byteLength) {
            throw new DOMException(`wrote ${written} of ${bytes.byteLength} bytes`, 'QuotaExceededError');
          }
          access.flush();
        } finally {
          access.close();
        }
        return;
      }
      const writable = await handle.createWritable();
      try {
        await writable.write(bytes as Uint8Array<ArrayBuffer>);
        await writable.close();
      } catch (error) {
        await writable.abort().catch(() => undefined);
        throw error;
      }
    },
    async remove(file) {
      try {
        await dir.removeEntry(file);
      } catch (error) {
        if (!isNotFound(error)) throw error;
      }
    },
    async list() {
      const names: string[] = [];
      for await (const key of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(key);
      return names;
    },
  };
  return {
    read: (file) => locked(name, () => folder.read(file)),
    write: (file, bytes) => locked(name, () => folder.write(file, bytes)),
    remove: (file) => locked(name, () => folder.remove(file)),
    list: () => locked(name, () => folder.list()),
  };
}
