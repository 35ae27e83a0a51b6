/**
 * The SEG outbox: SEG objects that are not (yet) stored in the PACS, kept in the browser's IndexedDB
 * so that nothing is lost when a store fails or the page closes part-way through one. An entry holds
 * the SEG's Part 10 bytes as exported (a retry stores the very same SOP instance) and where it was to
 * go; it is removed only once the server has stored it. One entry per SOP Instance UID.
 */
import { InputError } from '../../src/errors.ts';

export interface OutboxEntry {
  /** The SEG's SOP Instance UID (the key: one entry per instance). */
  sopInstanceUID: string;
  studyInstanceUID: string;
  /** The SEG's own series. */
  seriesInstanceUID: string;
  /** The DICOMweb service root it is to be stored in. */
  root: string;
  /** The Part 10 file, as exported. */
  bytes: Uint8Array;
  /** When the SEG was first put in the outbox (ISO 8601). */
  created: string;
  /** Why the last store did not succeed, in words. */
  lastError: string;
  /** Stores tried so far. */
  attempts: number;
}

export interface SegOutbox {
  /** Adds the entry, or replaces the one with its SOP Instance UID. */
  put(entry: OutboxEntry): Promise<void>;
  /** Every entry, oldest first. */
  list(): Promise<OutboxEntry[]>;
  get(sopInstanceUID: string): Promise<OutboxEntry | undefined>;
  remove(sopInstanceUID: string): Promise<void>;
  close(): void;
}

export const OUTBOX_DATABASE = 'robustmedsam-seg-outbox';
const STORE = 'segs';

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function unavailable(cause: unknown): InputError {
  const detail = (cause as Error)?.message ?? String(cause);
  return new InputError(
    'outbox-unavailable',
    `The browser's IndexedDB cannot be opened for the SEG outbox (${detail}).`,
    'Private windows and some privacy settings block it; SEGs that are not stored are downloaded instead.',
    { cause },
  );
}

/** Opens (creating if need be) the outbox; `factory` defaults to the page's IndexedDB. */
export async function openSegOutbox(
  name = OUTBOX_DATABASE,
  factory: IDBFactory | undefined = globalThis.indexedDB,
): Promise<SegOutbox> {
  if (!factory) throw unavailable(new Error('this browser has no IndexedDB'));
  let db: IDBDatabase;
  try {
    const open = factory.open(name, 1);
    open.onupgradeneeded = () => {
      if (!open.result.objectStoreNames.contains(STORE)) {
        open.result.createObjectStore(STORE, { keyPath: 'sopInstanceUID' });
      }
    };
    db = await request(open);
  } catch (error) {
    throw unavailable(error);
  }
  /** One transaction; resolves when it has committed (so a put is on disk before the caller goes on). */
  const run = <T>(mode: IDBTransactionMode, work: (store: IDBObjectStore) => IDBRequest<T>) =>
    new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error ?? req.error);
      tx.onabort = () => reject(tx.error ?? new Error('the outbox transaction was aborted'));
    });
  return {
    async put(entry) {
      // A copy of exactly the bytes given, whatever larger buffer they sit in.
      await run('readwrite', (store) => store.put({ ...entry, bytes: entry.bytes.slice() }));
    },
    async list() {
      const all = await run('readonly', (store) => store.getAll() as IDBRequest<OutboxEntry[]>);
      return all.sort((a, b) => a.created.localeCompare(b.created));
    },
    get(sopInstanceUID) {
      return run('readonly', (store) => store.get(sopInstanceUID) as IDBRequest<OutboxEntry | undefined>);
    },
    async remove(sopInstanceUID) {
      await run('readwrite', (store) => store.delete(sopInstanceUID));
    },
    close() {
      db.close();
    },
  };
}
