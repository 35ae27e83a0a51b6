/**
 * A series from a DICOMweb server, shown through Cornerstone's own `wadors` image loader: the series'
 * WADO-RS metadata (DicomWebClient.seriesMetadata) goes into the loader's metaDataManager, each frame is
 * a `wadors:` image id the loader fetches and decodes itself (no Part 10 download), and the series
 * rules (src/dicom/series-assembly.ts) run on the Cornerstone metadata, the same metadata SEG export
 * and load read (src/cornerstone/series-metadata.ts).
 *
 * That metadata is the `instance` module: the naturalised attributes of one image, as OHIF's provider
 * answers it. The loader's own wadors provider answers `instance` with a few standard modules only (no
 * FrameOfReferenceUID, ImagePositionPatient or patient details: Cornerstone 5.14), so the demo
 * registers a provider of its own, ahead of it, for the images it opened from DICOMweb.
 */
import { imageLoader, metaData } from '@cornerstonejs/core';
import { wadors } from '@cornerstonejs/dicom-image-loader';
import dcmjs from 'dcmjs';
import type { DicomDataset } from '../../src/dicom/dataset.ts';
import { type DicomJson, type DicomWebClient, jsonText } from '../../src/dicom/dicomweb/client.ts';
import type { DicomWebSeriesRef } from '../../src/dicom/dicomweb/urls.ts';
import { assembleSeries } from '../../src/dicom/series-assembly.ts';
import { SEG_SOP_CLASS_UIDS } from '../../src/dicom/sop-classes.ts';
import { InputError } from '../../src/errors.ts';
import { withSegmentation } from './cornerstone-setup.ts';
import type { LabelmapKind, LoadedSeries, ViewerState } from './viewer-state.ts';

/** The naturalised metadata of each image opened from DICOMweb, by image id. */
const instances = new Map<string, DicomDataset>();
/** Ahead of the loader's providers (OHIF registers its own at 9999). */
const PROVIDER_PRIORITY = 10_000;
let providerAdded = false;

function addInstanceProvider(): void {
  if (providerAdded) return;
  providerAdded = true;
  metaData.addProvider(
    (type: string, imageId: string) => (type === 'instance' ? instances.get(imageId) : undefined),
    PROVIDER_PRIORITY,
  );
}

/** Why the image loader could not load an image: it rejects with its XMLHttpRequest, or an Error. */
function loadFailure(error: unknown): string {
  const e = error as { status?: number; statusText?: string; message?: string; error?: unknown };
  if (typeof e?.status === 'number') {
    if (e.status === 0) return 'no answer (the server is unreachable or closed the connection)';
    if (e.status === 401 || e.status === 403)
      return `HTTP ${e.status} ${e.statusText ?? ''}: the server refused the credentials`.trim();
    return `HTTP ${e.status} ${e.statusText ?? ''}`.trim();
  }
  if (e?.error) return loadFailure(e.error);
  return e?.message ?? String(error);
}

/** The frame image ids of one instance, in frame order. */
function frameImageIds(ref: DicomWebSeriesRef, ds: DicomJson): string[] {
  const sop = jsonText(ds, '00080018');
  const frames = Math.max(1, Number(jsonText(ds, '00280008')) || 1);
  const base = `wadors:${ref.root}/studies/${ref.studyInstanceUID}/series/${ref.seriesInstanceUID}/instances/${sop}/frames/`;
  return Array.from({ length: frames }, (_, f) => `${base}${f + 1}`);
}

/**
 * Opens the series `ref` (its root absolute) from `client`: metadata, image ids, every image loaded
 * (an image that fails is an error naming it, never a shorter series), and a new empty segmentation.
 */
export async function loadDicomWebSeries(
  client: DicomWebClient,
  ref: DicomWebSeriesRef,
  name: string,
  state: ViewerState,
  labelmapKind: LabelmapKind,
): Promise<LoadedSeries> {
  const metadata = await client.seriesMetadata(ref);
  const where = `series ${ref.seriesInstanceUID} on ${ref.root}`;
  if (metadata.length === 0) {
    throw new InputError(
      'empty-series',
      `The ${where} has no instances (its WADO-RS metadata lists none).`,
      'Choose another series; if it was just sent, wait until the server has received it.',
    );
  }
  const nonImages = metadata.filter((ds) => {
    const sopClass = jsonText(ds, '00080016');
    return SEG_SOP_CLASS_UIDS.has(sopClass) || !jsonText(ds, '00280010');
  });
  if (nonImages.length > 0) {
    const sopClass = jsonText(nonImages[0], '00080016');
    throw new InputError(
      'not-an-image-series',
      `The ${where} holds ${nonImages.length} objects that are not images (SOP class ${sopClass || 'unknown'}).`,
      SEG_SOP_CLASS_UIDS.has(sopClass)
        ? 'It is a segmentation: choose it in the study list to show it on the series it was made for.'
        : 'Choose a CT or MR image series.',
    );
  }
  addInstanceProvider();
  const headers: Array<{ name: string; attributes: DicomDataset; frame: number; imageId: string }> = [];
  for (const ds of metadata) {
    const sop = jsonText(ds, '00080018');
    if (!sop) {
      throw new InputError(
        'missing-attribute',
        `An instance of the ${where} has no SOP Instance UID in its metadata.`,
        'The server sent damaged metadata; check the series on the server.',
      );
    }
    const attributes = dcmjs.data.DicomMetaDictionary.naturalizeDataset(
      ds as Parameters<typeof dcmjs.data.DicomMetaDictionary.naturalizeDataset>[0],
    );
    frameImageIds(ref, ds).forEach((imageId, frame) => {
      wadors.metaDataManager.add(imageId, ds as Parameters<typeof wadors.metaDataManager.add>[1]);
      instances.set(imageId, attributes);
      headers.push({
        name: `instance ${sop}${frame > 0 ? ` frame ${frame + 1}` : ''}`,
        attributes,
        frame,
        imageId,
      });
    });
  }
  const assembled = assembleSeries(headers);
  const imageIds = assembled.images.map((image) => image.header.imageId);
  let loaded = 0;
  await Promise.all(
    assembled.images.map(async ({ header }, k) => {
      try {
        await imageLoader.loadAndCacheImage(header.imageId);
        loaded++;
      } catch (error) {
        throw new InputError(
          'image-load-failed',
          `Could not load ${header.name} (slice ${k + 1} of ${imageIds.length}) of the ${where}: ${loadFailure(error)}.`,
          'Check that the server is up and accepts the credentials, then open the series again.',
          { cause: error },
        );
      }
    }),
  );
  if (loaded !== imageIds.length) throw new Error(`only ${loaded} of ${imageIds.length} images loaded`);
  const { images: _images, ...identity } = assembled;
  return withSegmentation(state, labelmapKind, {
    name,
    series: identity,
    read: null,
    imageIds,
    source: { kind: 'dicomweb', ref },
    segFiles: [],
  });
}
