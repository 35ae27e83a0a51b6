/**
 * What the extension takes from the OHIF app itself, through its extensionManager: OHIF's own
 * Cornerstone (a second copy would have its own tools and segmentations), and the active data source
 * when it can store DICOM (a DICOMweb PACS with STOW-RS). Both are read as OHIF 3.13 offers them.
 */
import type { CornerstoneLibraries } from '../../src/cornerstone/libraries.ts';
import { InputError } from '../../src/errors.ts';
import type { SegStore } from './default-seg-host.ts';

/** The parts of OHIF's extensionManager read here. */
export interface OhifExtensionManager {
  getModuleEntry(id: string): { exports?: Record<string, unknown> } | undefined;
  getActiveDataSource?(): OhifDataSource[] | undefined;
}

/** An OHIF data source, as far as storing goes. */
interface OhifDataSource {
  getConfig?():
    | { supportsStow?: boolean; wadoRoot?: string; stowRoot?: string; friendlyName?: string }
    | undefined;
  store?: { dicom?(dataset: ArrayBuffer): Promise<unknown> };
}

export interface OhifManagers {
  extensionManager?: OhifExtensionManager;
  commandsManager?: unknown;
}

export const CORNERSTONE_UTILITY = '@ohif/extension-cornerstone.utilityModule.common';

/** OHIF's own `{ cornerstone, cornerstoneTools }`, or a typed error saying what the app lacks. */
export function ohifCornerstone({ extensionManager }: OhifManagers): CornerstoneLibraries {
  const entry = extensionManager?.getModuleEntry(CORNERSTONE_UTILITY);
  const get = entry?.exports?.getCornerstoneLibraries;
  if (typeof get !== 'function') {
    throw new InputError(
      'no-ohif-cornerstone',
      `OHIF's ${CORNERSTONE_UTILITY} (getCornerstoneLibraries) is not registered.`,
      "The RobustMedSAM extension runs on the viewer's own Cornerstone3D: use it in an OHIF app with @ohif/extension-cornerstone, " +
        'or pass { cornerstone: { cornerstone, cornerstoneTools } } in its configuration.',
    );
  }
  return get() as CornerstoneLibraries;
}

/**
 * A store for SEG bytes through OHIF's active data source, read when an export runs (the user may
 * switch data sources), or undefined when it cannot store: OHIF's dicomjson and local-file sources
 * have a `store.dicom` that does nothing, so, as OHIF itself decides, a source stores when its config
 * says `supportsStow`, or has a WADO root and does not say otherwise.
 */
export function ohifSegStore({ extensionManager }: OhifManagers): SegStore | undefined {
  if (!extensionManager?.getActiveDataSource) return undefined;
  const storing = (): OhifDataSource | undefined => {
    const source = extensionManager.getActiveDataSource?.()?.[0];
    const config = source?.getConfig?.() ?? {};
    const stores = config.supportsStow === true || (config.supportsStow !== false && !!config.wadoRoot);
    return stores && typeof source?.store?.dicom === 'function' ? source : undefined;
  };
  return {
    canStore: () => storing() !== undefined,
    target: () => {
      const config = storing()?.getConfig?.();
      return config?.stowRoot ?? config?.wadoRoot ?? config?.friendlyName ?? '';
    },
    async store(bytes) {
      const source = storing();
      if (!source?.store?.dicom)
        throw new InputError('no-store', 'The active data source cannot store DICOM.');
      await source.store.dicom(bytes.slice().buffer);
      return source.getConfig?.()?.friendlyName ?? 'the data source';
    },
  };
}
