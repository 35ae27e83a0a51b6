import { join } from 'node:path';
import { masksForSeries, parseSegmentation } from '../../src/dicom/seg-reader.ts';
import type { Series } from '../../src/dicom/series.ts';
import { readDicomFile, readSeriesFromDirectory } from '../../src/dicom/series-node.ts';
import { REPO_ROOT } from '../helpers/tools.ts';

/** A bundled phantom series and its truth masks per segment label (slices x rows x columns). */
export function loadPhantom(name: 'ct-abdomen' | 'mr-brain'): {
  series: Series;
  truth: Map<string, Uint8Array>;
} {
  const series = readSeriesFromDirectory(join(REPO_ROOT, 'sample-dicom', name));
  const path = join(REPO_ROOT, 'sample-dicom', `${name}-truth.seg.dcm`);
  const seg = parseSegmentation(readDicomFile(path).bytes, path);
  const { masks } = masksForSeries(seg, series);
  return { series, truth: new Map(seg.segments.map((s, k) => [s.label, masks[k]])) };
}

/** The truth of one structure on one slice. */
export function sliceTruth(series: Series, mask: Uint8Array, index: number): Uint8Array {
  const pixels = series.geometry.rows * series.geometry.columns;
  return mask.subarray(index * pixels, (index + 1) * pixels);
}
