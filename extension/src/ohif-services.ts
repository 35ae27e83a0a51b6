/**
 * The members of OHIF's services (checked against 3.13) that the extension calls, and nothing more:
 * @ohif/core is not a dependency, so these are declared here. OHIF's own services satisfy them.
 */
import type { Types } from '@cornerstonejs/core';
import type { Types as ToolsTypes } from '@cornerstonejs/tools';

export interface ViewportGridService {
  /** OHIF's grid state; only the active viewport's id is read. */
  getState(): { activeViewportId: string | null };
}

export interface CornerstoneViewportService {
  getCornerstoneViewport(viewportId: string): Types.IStackViewport | Types.IVolumeViewport | null | undefined;
}

export interface ToolGroupService {
  getToolGroupForViewport(viewportId: string): ToolsTypes.IToolGroup | undefined;
}

export interface CustomizationService {
  /** The value registered under the id (3.10 semantics), or undefined when none is. */
  getCustomization(customizationId: string): unknown;
}

export interface UINotificationService {
  show(notification: {
    title: string;
    message: string;
    type: 'info' | 'success' | 'warning' | 'error';
  }): void;
}

export interface RobustMedSamServices {
  viewportGridService: ViewportGridService;
  cornerstoneViewportService: CornerstoneViewportService;
  toolGroupService: ToolGroupService;
  customizationService: CustomizationService;
  uiNotificationService: UINotificationService;
}

/** OHIF's ServicesManager, as far as the extension reads it. */
export interface ServicesManager {
  services: Partial<RobustMedSamServices>;
}

/** The names the extension needs in `servicesManager.services`. */
export const REQUIRED_SERVICES: Array<keyof RobustMedSamServices> = [
  'viewportGridService',
  'cornerstoneViewportService',
  'toolGroupService',
  'customizationService',
  'uiNotificationService',
];
