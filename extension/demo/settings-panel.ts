/**
 * The demo's settings: the engine (the model-free default, or a model folder the server offers), the
 * display window presets, "segment with the displayed window", how many neighbours to pre-encode, and
 * remembered encodings (their bound, what is kept, Clear). Each control puts its setting in force in the
 * session at once.
 */
import type { RobustMedSamCustomizations } from '../src/index.ts';
import type { ModelEntry } from './local-data-plugin.ts';
import { $, describeError, setMessage, type ViewerState } from './viewer-state.ts';

/** JSON the viewer's own server offers, or null when it offers none. */
export async function fetchJson<T>(url: string): Promise<T | null> {
  try {
    const response = await fetch(url);
    return response.ok ? ((await response.json()) as T) : null;
  } catch {
    return null;
  }
}

/** Wires the controls; returns the function that loads the engine chosen. */
export async function wireSettings(state: ViewerState): Promise<() => Promise<void>> {
  const { session } = state;
  const customize = <K extends keyof RobustMedSamCustomizations>(
    key: K,
    value: RobustMedSamCustomizations[K],
  ) => session.configure({ ...session.customizations, [key]: value });

  const engineSelect = $('engine-select') as HTMLSelectElement;
  engineSelect.append(new Option('Classical (no model)', ''));
  const models = await fetchJson<{ models: ModelEntry[] }>('./models/index.json');
  for (const m of models?.models ?? []) {
    // An int8 or fp16 folder is its own choice, saying what it trades against fp32 (from its manifest).
    const option = new Option(`${m.label} (${m.id})${m.trade ? ` — ${m.trade}` : ''}`, `./models/${m.id}/`);
    if (m.trade) option.title = m.trade;
    engineSelect.append(option);
  }
  const loadEngine = async () => {
    try {
      await session.loadEngine(engineSelect.value || null);
      setMessage('');
    } catch (error) {
      setMessage(describeError(error), true);
      $('status-engine').textContent = 'Engine: not loaded';
      $('engine-badge').textContent = 'no engine';
    }
  };
  engineSelect.addEventListener('change', loadEngine);

  // Windows: display presets; optionally the model sees the displayed window too.
  const windowSelect = $('window-select') as HTMLSelectElement;
  windowSelect.append(new Option('As stored in the series', ''));
  for (const p of session.customizations.windowPresets) windowSelect.append(new Option(p.label, p.id));
  windowSelect.addEventListener('change', () => {
    const viewport = state.viewport();
    const preset = session.customizations.windowPresets.find((p) => p.id === windowSelect.value);
    viewport.setProperties({ voiRange: preset ? { lower: preset.low, upper: preset.high } : undefined });
    if (!preset) viewport.resetProperties();
    viewport.render();
  });
  const modelWindow = $('model-window') as HTMLInputElement;
  modelWindow.checked = session.customizations.segmentWithViewportWindow;
  modelWindow.addEventListener('change', () => customize('segmentWithViewportWindow', modelWindow.checked));
  const preEncode = $('pre-encode') as HTMLInputElement;
  preEncode.value = String(session.customizations.slicesToPreEncode);
  preEncode.addEventListener('change', () => {
    customize('slicesToPreEncode', Math.max(0, Math.min(10, Math.round(Number(preEncode.value)) || 0)));
    if (state.loaded) void session.encoder.encodeAround(state.viewport());
  });
  wireRememberedEncodings(state);
  return loadEngine;
}

const MB = 2 ** 20;

/** Remembered encodings: the bound (MB), what is kept now, and Clear. */
function wireRememberedEncodings(state: ViewerState): void {
  const { session } = state;
  const bound = $('remembered-mb') as HTMLInputElement;
  const shown = $('remembered-stats');
  const clear = $('clear-encodings') as HTMLButtonElement;
  bound.value = String(Math.round(session.customizations.rememberedEncodingsBytes / MB));
  const refresh = async () => {
    try {
      const { stored } = await session.encodingsStats();
      if (!stored) shown.textContent = 'not kept here';
      else if (stored.state === 'memory-only') shown.textContent = 'off (memory only)';
      else shown.textContent = `${stored.entries} slices, ${(stored.bytes / MB).toFixed(1)} MB`;
      shown.dataset.entries = String(stored?.entries ?? 0);
    } catch {
      shown.textContent = '';
    }
  };
  bound.addEventListener('change', () => {
    const mb = Math.max(0, Number(bound.value) || 0);
    session.configure({ ...session.customizations, rememberedEncodingsBytes: Math.round(mb * MB) });
    void refresh();
  });
  clear.addEventListener('click', async () => {
    clear.disabled = true;
    try {
      const removed = await session.clearEncodings();
      setMessage(`Cleared ${removed} remembered encoding${removed === 1 ? '' : 's'}.`);
    } catch (error) {
      setMessage(describeError(error), true);
    } finally {
      clear.disabled = false;
      await refresh();
    }
  });
  // What is kept changes as slices are encoded: refreshed after each encode and preview.
  session.onProgress((event) => {
    if (event.stage === 'encodings' || (event.stage === 'encode' && event.state === 'done')) void refresh();
  });
  session.on('preview-shown', () => void refresh());
  session.client.on('engine', () => void refresh());
}
