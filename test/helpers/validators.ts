import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { decodeNpy } from '../../src/cli/npy.ts';

/** `dciodvfy -new FILE`: the lines starting with "Error" (its exit code is not reliable). */
export function dciodvfyErrors(path: string): string[] {
  const run = spawnSync('dciodvfy', ['-new', path], { encoding: 'utf8' });
  return `${run.stdout}\n${run.stderr}`.split('\n').filter((l) => l.startsWith('Error'));
}

/** `dcentvfy FILES...`: Error lines (patient/study/series inconsistencies between the files). */
export function dcentvfyErrors(paths: string[]): string[] {
  const run = spawnSync('dcentvfy', paths, { encoding: 'utf8' });
  return `${run.stdout}\n${run.stderr}`.split('\n').filter((l) => l.startsWith('Error'));
}

const PYDICOM_FRAMES = `
import sys, json, numpy as np, pydicom
ds = pydicom.dcmread(sys.argv[1])
arr = ds.pixel_array
if arr.ndim == 2:
    arr = arr[None]
np.save(sys.argv[2], arr.astype(np.uint8))
frames = []
for item in ds.PerFrameFunctionalGroupsSequence:
    seg = item.SegmentIdentificationSequence[0].ReferencedSegmentNumber if 'SegmentIdentificationSequence' in item else 0
    ref = item.DerivationImageSequence[0].SourceImageSequence[0]
    frames.append([int(seg), str(ref.ReferencedSOPInstanceUID), int(ref.get('ReferencedFrameNumber', 0))])
print(json.dumps(frames))
`;

/**
 * pydicom's view of a SEG: pixel_array as frames x rows x columns, and each frame's segment number,
 * source SOP Instance UID and source frame number (0 when not given).
 */
export function pydicomFrames(
  path: string,
  npyPath: string,
): { pixels: Uint8Array; shape: number[]; frames: Array<[number, string, number]> } {
  const out = execFileSync('/usr/bin/python3', ['-c', PYDICOM_FRAMES, path, npyPath], { encoding: 'utf8' });
  const array = decodeNpy(new Uint8Array(readFileSync(npyPath)));
  if (array.dtype !== 'uint8') throw new Error(`unexpected dtype ${array.dtype}`);
  return { pixels: array.data, shape: array.shape, frames: JSON.parse(out) };
}

/** Runs a Python snippet with /usr/bin/python3 (pydicom, numpy) and returns its stdout. */
export function python(code: string, args: string[]): string {
  return execFileSync('/usr/bin/python3', ['-c', code, ...args], { encoding: 'utf8' });
}
