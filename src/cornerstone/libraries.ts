/**
 * The Cornerstone3D libraries this package works with: always the host's own instance. A viewer has one
 * Cornerstone (one tool registry, one segmentation state, one metadata registry); a second copy bundled
 * here would keep state of its own that the host's viewports never see. So nothing in src/cornerstone or
 * extension/src imports Cornerstone's values: the host hands its libraries over once, with
 * `useCornerstone` (OHIF: `getCornerstoneLibraries()` of @ohif/extension-cornerstone; a plain app: its
 * own imports), and every module reads them here when it runs. Only Cornerstone's types are imported.
 *
 * Supported: Cornerstone3D 5.6.8 (what OHIF 3.13 ships) to 5.14; only API present in that whole range
 * is used.
 */
import type * as CornerstoneCore from '@cornerstonejs/core';
import type * as CornerstoneTools from '@cornerstonejs/tools';
import { InputError } from '../errors.ts';

/** The shape OHIF's `getCornerstoneLibraries()` returns. */
export interface CornerstoneLibraries {
  cornerstone: typeof CornerstoneCore;
  cornerstoneTools: typeof CornerstoneTools;
}

let inUse: CornerstoneLibraries | null = null;

/**
 * Tells this package which Cornerstone the page runs. Call once, before any tool, session or SEG
 * function; calling again with the same libraries is harmless, with others an error (two Cornerstone
 * instances in one page would split the segmentation state).
 */
export function useCornerstone(libraries: CornerstoneLibraries): void {
  const { cornerstone, cornerstoneTools } = libraries ?? ({} as CornerstoneLibraries);
  if (
    typeof cornerstone?.getRenderingEngine !== 'function' ||
    typeof cornerstoneTools?.addTool !== 'function'
  ) {
    throw new InputError(
      'bad-cornerstone-libraries',
      'useCornerstone was given something that is not { cornerstone, cornerstoneTools } of Cornerstone3D v5.',
      "Pass the host's own libraries: in OHIF getCornerstoneLibraries() of @ohif/extension-cornerstone's " +
        "utilityModule.common, elsewhere { cornerstone: await import('@cornerstonejs/core'), cornerstoneTools: await import('@cornerstonejs/tools') }.",
    );
  }
  if (inUse && (inUse.cornerstone !== cornerstone || inUse.cornerstoneTools !== cornerstoneTools)) {
    throw new InputError(
      'second-cornerstone',
      'A second, different copy of Cornerstone3D was handed to RobustMedSAM.',
      'Use the one Cornerstone instance the viewer renders with; two copies keep separate tools and segmentations.',
    );
  }
  inUse = { cornerstone, cornerstoneTools };
}

/** The host's Cornerstone libraries (see `useCornerstone`). */
export function cornerstoneLibraries(): CornerstoneLibraries {
  if (!inUse) {
    throw new InputError(
      'cornerstone-not-set',
      "RobustMedSAM does not know the page's Cornerstone3D yet.",
      'Call useCornerstone({ cornerstone, cornerstoneTools }) once Cornerstone is initialised (the OHIF extension does this in preRegistration).',
    );
  }
  return inUse;
}

/** Shorthands for the two libraries. */
export const core = (): typeof CornerstoneCore => cornerstoneLibraries().cornerstone;
export const tools = (): typeof CornerstoneTools => cornerstoneLibraries().cornerstoneTools;
