import { expect } from 'vitest';
import { DicomError } from '../../src/errors.ts';

/** Runs `run`, requires it to throw a DicomError, and returns that error for its code and message. */
export function dicomError(run: () => unknown): DicomError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(DicomError);
    return error as DicomError;
  }
  throw new Error('expected a DicomError, got none');
}
