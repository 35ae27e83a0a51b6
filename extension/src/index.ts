/**
 * The RobustMedSAM extension's public face. Its default export is the OHIF v3 extension object: built
 * by `npm run build:ohif` into dist/ohif/robustmedsam-ohif.js, which an OHIF deployment loads at run
 * time from `window.config.extensions`, or imported into an OHIF build (extension/README.md). The rest
 * is for hosts and tests. Nothing here bundles Cornerstone: it runs on the host's (useCornerstone).
 */
import { robustMedSamExtension } from './ohif-extension.ts';

export default robustMedSamExtension;
export { type CornerstoneLibraries, useCornerstone } from '../../src/cornerstone/libraries.ts';
export {
  CUSTOMIZATION_IDS,
  type CustomizationSource,
  DEFAULT_CUSTOMIZATIONS,
  type RobustMedSamCustomizations,
  resolveCustomizations,
  type WindowPreset,
} from './customizations.ts';
export {
  type CornerstoneSegment,
  createDefaultSegHost,
  type DefaultSegHostOptions,
  describeSegment,
  type SegStore,
} from './default-seg-host.ts';
export {
  type CommandFn,
  type CommandName,
  type CommandsModule,
  describeError,
  EXTENSION_ID,
  engineMessage,
  getRobustMedSamSession,
  type ModuleContext,
  type RobustMedSamConfiguration,
  type RobustMedSamExtension,
  robustMedSamExtension,
  type SegHost,
} from './ohif-extension.ts';
export { CORNERSTONE_UTILITY, ohifCornerstone, ohifSegStore } from './ohif-host.ts';
export type {
  CornerstoneViewportService,
  CustomizationService,
  RobustMedSamServices,
  ServicesManager,
  ToolGroupService,
  UINotificationService,
  ViewportGridService,
} from './ohif-services.ts';
export { type MouseUpTiming, RobustMedSamSession, type SessionHost } from './session.ts';
export {
  HOTKEYS,
  ohifModeCustomizations,
  REMOVE_LAST_POINT_HOTKEY,
  TOOLBAR_BUTTONS,
  TOOLBAR_BUTTONS_ID,
  type ToolbarButton,
} from './toolbar-buttons.ts';
