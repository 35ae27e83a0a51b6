/**
 * The lines an OHIF 3.13 app config needs to run the extension: its URL in `extensions`, and the mode
 * customisations that put its buttons on the toolbars. One source for dist/ohif/README.md (what a
 * deployment copies) and for the app-config.js of `npm run demo`, so the demo runs what the README says.
 */
import { ohifModeCustomizations } from '../src/toolbar-buttons.ts';

/** The app-config members to add, with the extension served at `extensionUrl`. */
export function ohifAppConfigAdditions(extensionUrl: string): {
  extensions: string[];
  customizationService: ReturnType<typeof ohifModeCustomizations>;
} {
  return { extensions: [extensionUrl], customizationService: ohifModeCustomizations() };
}

export function ohifInstallNotes(): string {
  const additions = JSON.stringify(ohifAppConfigAdditions('/robustmedsam/robustmedsam-ohif.js'), null, 2);
  return `# RobustMedSAM box-prompt segmentation for OHIF Viewer 3.13

Copy this folder to your OHIF deployment (here served at \`/robustmedsam/\`, beside OHIF's own files),
then add these members to \`window.config\` in \`app-config.js\`. If \`customizationService\` already
holds a \`mode\` block, merge the two.

\`\`\`js
${additions.slice(1, -1).trim()}
\`\`\`

OHIF imports the module at start-up; nothing is rebuilt. The buttons (Box prompt, Accept, Reject,
Propagate, Export SEG, Load SEG) appear on the primary toolbar of the Segmentation mode and the Basic
Viewer; they are enabled once the viewport has a segmentation (the segmentation panel's "Add
segmentation"). Undo and redo are OHIF's own. Settings are customisations (\`robustmedsam.modelUrl\`: a
model folder on the same origin, else the model-free classical engine runs; \`robustmedsam.threads\`, ...):
set them in \`customizationService.global\`.

The segmenter runs in a Web Worker with onnxruntime-web (WebGPU when the browser offers a hardware
adapter, else WebAssembly). WebAssembly threads need a cross-origin isolated page: serve OHIF with
\`Cross-Origin-Opener-Policy: same-origin\` and \`Cross-Origin-Embedder-Policy: require-corp\`. Without
them the model runs on one thread, and the status says so.

"Export SEG" stores the SEG through the active data source when it can store (a DICOMweb source with
STOW-RS), else downloads it; the notification gives its SOP Instance UID. A store that fails (the PACS is
down, refuses it) is shown with the reason, and the SEG is downloaded instead, so nothing is lost.

To store SEGs in your PACS, use OHIF's \`dicomweb\` data source with \`supportsStow: true\` (and
\`imageRendering: 'wadors'\`), its \`qidoRoot\`/\`wadoRoot\`/\`wadoUriRoot\` on OHIF's own origin through your
web server's reverse proxy to the PACS: a cross-origin-isolated page cannot use another origin's answers
unless the PACS sends CORS and Cross-Origin-Resource-Policy headers.
`;
}
