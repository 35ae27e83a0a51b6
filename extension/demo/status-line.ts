/**
 * The status line: engine and backend, model and cache, progress, each preview's timing, the engine's
 * score for it and its clicks, and a warning when the image around the box looks degraded. Errors
 * reach the message line from the session's error events (main.ts).
 */
import type { ProgressEvent } from '../../src/cornerstone/worker/protocol.ts';
import { $, type ViewerState } from './viewer-state.ts';

function formatBytes(n: number): string {
  return n > 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MB` : `${Math.round(n / 1024)} kB`;
}

export function wireStatus(state: ViewerState): void {
  const { session } = state;
  const engine = $('status-engine');
  const model = $('status-model');
  const progress = $('status-progress');
  const result = $('status-result');
  const badge = $('engine-badge');
  const quality = $('status-quality');
  let encodedNeighbours = 0;
  // The engine's own estimate for the mask shown (the decoder's predicted IoU for a model), beside it.
  let score = '';
  const keys = `Enter accepts, Esc rejects; click +, ${session.customizations.excludeModifier}+click −, Backspace undoes a click`;
  session.controller.on('preview', (detail) => {
    const clicks = detail.points.length;
    score = `score ${detail.score.toFixed(2)} (${session.scoreLabel()})${clicks ? ` after ${clicks} click${clicks === 1 ? '' : 's'}` : ''}`;
    result.dataset.score = score;
    result.dataset.points = String(clicks);
    const warning = detail.imageQuality?.warning;
    quality.textContent = warning ? `⚠ ${warning.message}` : '';
    quality.dataset.degradation = warning?.degradation ?? '';
    // A removed click shows the step before it at once: no engine run to time.
    if (detail.cause === 'point-removed') result.textContent = `Click removed · ${score} — ${keys}`;
  });
  session.client.on('engine', (status) => {
    if (!status) {
      engine.textContent = 'Engine: loading…';
      badge.textContent = 'loading engine';
      badge.className = '';
      return;
    }
    engine.textContent = `Engine: ${status.info.label} · ${status.info.backend}`;
    badge.textContent =
      status.info.engine === 'model' ? status.info.label : `${status.info.label} — not RobustMedSAM`;
    badge.className = status.info.engine;
    model.textContent = status.model
      ? `Model: ${status.model.name} ${status.model.version} (cache ${status.model.cache})`
      : 'Model: none (model-free engine)';
    encodedNeighbours = 0;
    progress.textContent = '';
  });
  session.onProgress((event: ProgressEvent) => {
    if (event.stage === 'download') {
      const pct = event.total ? Math.round((100 * event.loaded) / event.total) : 0;
      progress.textContent = `Downloading ${event.file}: ${formatBytes(event.loaded)}${event.total ? ` of ${formatBytes(event.total)} (${pct}%)` : ''}`;
    } else if (event.stage === 'session') {
      progress.textContent = event.message;
    } else if (event.stage === 'encodings') {
      // Told on the message line by main.ts (the session's notice).
    } else if (event.state === 'start') {
      progress.textContent = event.background ? 'Encoding a neighbouring slice…' : 'Encoding this slice…';
    } else {
      if (event.background) encodedNeighbours++;
      progress.textContent = `Encoded (${Math.round(event.ms ?? 0)} ms; ${encodedNeighbours} neighbours ready)`;
    }
  });
  session.on('preview-shown', (t) => {
    const stages = Object.entries(t.workerTimings)
      .map(([k, v]) => `${k} ${Math.round(v)}`)
      .join(', ');
    result.textContent = `Preview in ${Math.round(t.previewAt - t.mouseUpAt)} ms (${stages}) · ${score} — ${keys}`;
    result.dataset.previewCount = String(session.timings.length);
  });
  session.controller.on('accepted', () => {
    result.textContent = 'Accepted.';
    quality.textContent = '';
  });
  session.controller.on('rejected', () => {
    result.textContent = 'Rejected.';
    quality.textContent = '';
  });
  session.controller.on('propagation', (d) => {
    result.textContent =
      d.state === 'running'
        ? `Propagating… ${d.slicesDone} slices (at ${d.lastSliceIndex + 1})`
        : `Propagation ${d.state}: ${d.slicesDone} slices${d.reason ? ` (${d.reason})` : ''}`;
    result.dataset.propagation = d.state;
    result.dataset.propagatedSlices = String(d.slicesDone);
  });
}
