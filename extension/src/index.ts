/**
 * The RobustMedSAM extension's public face. Its default export is the OHIF v3 extension object (list it
 * in an OHIF app's extensions, see extension/README.md); the rest is for hosts and tests.
 */
import { robustMedSamExtension } from './ohif-extension.ts';

export default robustMedSamExtension;
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
} from './default-seg-host.ts';
export {
  type CommandFn,
  type CommandName,
  type CommandsModule,
  describeError,
  EXTENSION_ID,
  getRobustMedSamSession,
  type ModuleContext,
  type RobustMedSamConfiguration,
  type RobustMedSamExtension,
  robustMedSamExtension,
  type SegHost,
} from './ohif-extension.ts';
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
export { TOOLBAR_BUTTONS, type ToolbarButton } from './toolbar-buttons.ts';
