import { appendFileSync, existsSync, readFileSync, truncateSync } from 'node:fs';
import { InputError } from '../../errors.ts';
import { type ResultRecord, type ResultSink, resultKey } from '../../robustness/benchmark.ts';
import { writeFileAtomic } from '../files.ts';

/**
 * The benchmark's append-only results file (one JSON record per line) and the run description beside
 * it. A rerun with the same --out reads what is there and skips it, so an interrupted run continues
 * where it stopped; a last line cut short by the interruption is dropped and redone.
 */
export class ResultsFile implements ResultSink {
  private readonly keys = new Set<string>();
  readonly records: ResultRecord[] = [];
  /** Records found on disk when the file was opened. */
  readonly resumed: number;

  constructor(readonly path: string) {
    if (existsSync(path)) {
      const text = readFileSync(path, 'utf8');
      // Only newline-terminated lines are complete; whatever follows the last newline was cut short.
      const lines = text.split('\n').slice(0, -1);
      let goodBytes = 0;
      for (const line of lines) {
        if (line.trim() !== '') {
          try {
            this.add(JSON.parse(line) as ResultRecord);
          } catch {
            break; // a damaged line: it and everything after it are redone
          }
        }
        goodBytes += Buffer.byteLength(line) + 1;
      }
      if (goodBytes < Buffer.byteLength(text)) truncateSync(path, goodBytes);
    }
    this.resumed = this.records.length;
  }

  private add(record: ResultRecord): void {
    const key = resultKey(record);
    if (this.keys.has(key)) return;
    this.keys.add(key);
    this.records.push(record);
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  append(record: ResultRecord): void {
    appendFileSync(this.path, `${JSON.stringify(record)}\n`);
    this.add(record);
  }
}

/**
 * What makes records comparable: the same series pixels, truth, seed, window, box margin and
 * tolerance, and per engine the same model graphs. Corruptions, severities, slices and further
 * engines may be added between runs; nothing else may change. (The classical engine has no version
 * to check: after changing its code, use a new --out.)
 */
export interface RunIdentity {
  seriesInstanceUID: string;
  /** Fingerprint of every slice's modality values: a regenerated series under the same UIDs is caught. */
  seriesPixels: string;
  truthSOPInstanceUID: string;
  truthMasks: string;
  seed: number;
  window: string;
  boxMargin: number;
  nsdToleranceMm: number;
  /** Engine id -> what identifies its behaviour (a model's graph sha256s). */
  engines: Record<string, string>;
}

/** The run description a previous run left, or a typed error saying the folder is damaged. */
function readRunIdentity(path: string): RunIdentity {
  const damaged = (why: string, cause?: unknown) =>
    new InputError(
      'damaged-results-folder',
      `The output folder's run description ${path} is damaged (${why}).`,
      'Start afresh with a new --out folder (or delete this one); its results cannot be checked against this run.',
      { cause },
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw damaged(
      error instanceof SyntaxError ? 'not JSON' : ((error as NodeJS.ErrnoException).code ?? String(error)),
      error,
    );
  }
  const record = parsed as Partial<RunIdentity> | null;
  if (
    !record ||
    typeof record !== 'object' ||
    typeof record.engines !== 'object' ||
    record.engines === null
  ) {
    throw damaged('not a run description');
  }
  return record as RunIdentity;
}

export function checkRunIdentity(path: string, identity: RunIdentity): void {
  if (!existsSync(path)) {
    writeFileAtomic(path, `${JSON.stringify(identity, null, 2)}\n`);
    return;
  }
  const before = readRunIdentity(path);
  const changed = (Object.keys(identity) as Array<keyof RunIdentity>).filter(
    (k) => k !== 'engines' && JSON.stringify(before[k]) !== JSON.stringify(identity[k]),
  );
  for (const [engine, version] of Object.entries(identity.engines)) {
    const earlier = before.engines?.[engine];
    if (earlier !== undefined && earlier !== version) changed.push(`engine ${engine}` as keyof RunIdentity);
  }
  if (changed.length > 0) {
    throw new InputError(
      'results-from-another-run',
      `The output folder holds results of another run (different ${changed.join(', ')}).`,
      'Use a new --out folder, or the same series, truth, models and options to continue that run.',
    );
  }
  // Engines added by this run join the record.
  const engines = { ...before.engines, ...identity.engines };
  if (JSON.stringify(engines) !== JSON.stringify(before.engines)) {
    writeFileAtomic(path, `${JSON.stringify({ ...before, engines }, null, 2)}\n`);
  }
}
