/**
 * "Export SEG" and "Load SEG" in the demo: the SEG is written from the displayed series and the
 * segment list, offered as a download; a SEG is loaded from a file the user picks (or drops) onto the
 * displayed series, and its segments join the list. Both take the shown image ids only, as an OHIF
 * host would (the series is read from Cornerstone's metadata); the voxel work runs in the session's
 * segmenter worker.
 */
import { exportSegmentation, loadSegmentation } from '../../src/cornerstone/seg-io.ts';
import type { RobustMedSamSession, SegHost } from '../src/index.ts';
import type { ViewerState } from './viewer-state.ts';

export function createSegHost(
  state: ViewerState,
  ui: { setMessage(text: string, error?: boolean): void },
): SegHost {
  const requireSeries = () => {
    if (!state.loaded) throw new Error('Open a series first.');
    return state.loaded;
  };

  const load = async (session: RobustMedSamSession, bytes: Uint8Array, name: string) => {
    const loaded = requireSeries();
    const result = await loadSegmentation(session.client, {
      bytes,
      name,
      segmentationId: loaded.segmentationId,
      imageIds: loaded.imageIds,
      firstSegmentIndex: state.segments.nextIndex(),
    });
    for (const { segmentIndex, info } of result.segments) {
      state.segments.add(
        {
          label: info.label,
          color: info.color ?? [255, 255, 0],
          description: {
            label: info.label,
            codes: info.codes,
            color: info.color,
            algorithmType: info.algorithmType as 'MANUAL' | 'SEMIAUTOMATIC' | 'AUTOMATIC',
            algorithmName: info.algorithmName,
            algorithmVersion: info.algorithmVersion,
          },
        },
        segmentIndex,
      );
    }
    state.viewport().render();
    ui.setMessage(
      `Loaded SEG ${name}: ${result.segments.length} segments on ${result.slicesChanged} slices` +
        (result.overlappingPixels
          ? ` (${result.overlappingPixels} overlapping pixels show the later segment)`
          : ''),
    );
  };

  return {
    async exportSeg(session, mode) {
      const loaded = requireSeries();
      const engine = session.client.status?.info;
      const { bytes, segmentsWritten, seriesInstanceUID } = await exportSegmentation(session.client, {
        segmentationId: loaded.segmentationId,
        imageIds: loaded.imageIds,
        type: mode,
        softwareVersion: '0.1.0',
        segments: state.segments.entries.map((e) => ({
          segmentIndex: e.segmentIndex,
          description: {
            ...e.description,
            algorithmType: e.description.algorithmType ?? 'SEMIAUTOMATIC',
            algorithmName: e.description.algorithmName ?? engine?.label ?? 'RobustMedSAM viewer',
            algorithmVersion: e.description.algorithmVersion ?? '0.1.0',
          },
        })),
      });
      const name = `${seriesInstanceUID}.seg.dcm`;
      const url = URL.createObjectURL(new Blob([bytes.slice().buffer], { type: 'application/dicom' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = name;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      ui.setMessage(
        `Exported ${segmentsWritten} segments as ${mode} SEG (${Math.round(bytes.byteLength / 1024)} kB).`,
      );
      return bytes;
    },
    async loadSeg(session, file) {
      if (file) return load(session, file.bytes, file.name);
      const input = document.getElementById('seg-input') as HTMLInputElement;
      await new Promise<void>((resolve, reject) => {
        input.onchange = async () => {
          const file = input.files?.[0];
          input.value = '';
          if (!file) return resolve();
          try {
            await load(session, new Uint8Array(await file.arrayBuffer()), file.name);
            resolve();
          } catch (error) {
            reject(error);
          }
        };
        input.oncancel = () => resolve();
        input.click();
      });
    },
  };
}
