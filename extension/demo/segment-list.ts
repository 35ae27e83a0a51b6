/**
 * The segment list: each segment's colour, label and lock, the active one highlighted. It shows
 * Cornerstone's segmentation state (labels, locks, the viewport's colour LUT) and redraws whenever that
 * state changes, so segments added by anyone (a SEG load, say) appear in it. New segments take their
 * label and colour from src/dicom's organ table, whose codes SEG export gives them back by label.
 */
import { eventTarget } from '@cornerstonejs/core';
import { segmentation, Enums as ToolsEnums, type Types as ToolsTypes } from '@cornerstonejs/tools';
import { ORGANS } from '../../src/dicom/codes.ts';
import { segmentsInState } from '../src/default-seg-host.ts';

export interface SegmentEntry {
  segmentIndex: number;
  label: string;
  color: [number, number, number];
  locked: boolean;
}

const DEFAULT_ORGAN: Record<string, string> = { CT: 'liver', MR: 'brain' };
/** Shown for a segment whose colour the viewport's LUT does not hold (yet). */
const NO_COLOR: [number, number, number] = [128, 128, 128];

export class SegmentList {
  private readonly list: HTMLElement;
  private readonly organSelect: HTMLSelectElement;
  private readonly viewportId: string;
  private segmentationId: string | null = null;
  onChange: () => void = () => undefined;

  constructor(list: HTMLElement, organSelect: HTMLSelectElement, viewportId: string) {
    this.list = list;
    this.organSelect = organSelect;
    this.viewportId = viewportId;
    for (const [key, entry] of Object.entries(ORGANS)) organSelect.append(new Option(entry.label, key));
    document.getElementById('add-segment')?.addEventListener('click', () => {
      if (this.segmentationId) this.addOrgan(organSelect.value);
    });
    eventTarget.addEventListener(ToolsEnums.Events.SEGMENTATION_MODIFIED, (event: Event) => {
      const { segmentationId } = (event as ToolsTypes.EventTypes.SegmentationModifiedEventType).detail;
      if (segmentationId === this.segmentationId) this.render();
    });
  }

  /** The segments of Cornerstone's state, by index (the box tool's preview label is not a segment). */
  get entries(): SegmentEntry[] {
    if (!this.segmentationId) return [];
    return segmentsInState(this.viewportId, this.segmentationId).map((s) => ({
      segmentIndex: s.segmentIndex,
      label: s.label || `Segment ${s.segmentIndex}`,
      color: s.color ?? NO_COLOR,
      locked: s.locked,
    }));
  }

  /**
   * Starts a new list for a freshly created segmentation: its segment 1 (Cornerstone names it "Segment 1")
   * becomes the modality's usual organ.
   */
  attach(segmentationId: string, modality: string): void {
    this.segmentationId = segmentationId;
    const organ = DEFAULT_ORGAN[modality] ?? 'liver';
    this.organSelect.value = organ;
    this.addOrgan(organ, 1);
  }

  nextIndex(): number {
    return Math.max(0, ...this.entries.map((e) => e.segmentIndex)) + 1;
  }

  active(): SegmentEntry | undefined {
    if (!this.segmentationId) return undefined;
    const index = segmentation.segmentIndex.getActiveSegmentIndex(this.segmentationId);
    return this.entries.find((e) => e.segmentIndex === index);
  }

  addOrgan(key: string, segmentIndex = this.nextIndex()): void {
    const organ = ORGANS[key];
    this.add({ label: organ.label, color: organ.color }, segmentIndex);
  }

  /** Adds a segment to Cornerstone's state (colour first, so the redraw its change causes shows it). */
  add(entry: Pick<SegmentEntry, 'label' | 'color'>, segmentIndex = this.nextIndex()): void {
    const id = this.segmentationId!;
    segmentation.config.color.setSegmentIndexColor(this.viewportId, id, segmentIndex, [...entry.color, 255]);
    const seg = segmentation.state.getSegmentation(id)!;
    segmentation.updateSegmentations([
      {
        segmentationId: id,
        payload: {
          segments: {
            ...seg.segments,
            [segmentIndex]: {
              segmentIndex,
              label: entry.label,
              locked: false,
              active: false,
              cachedStats: {},
            },
          },
        },
      },
    ]);
    this.activate(segmentIndex);
  }

  activate(segmentIndex: number): void {
    segmentation.segmentIndex.setActiveSegmentIndex(this.segmentationId!, segmentIndex);
    this.render();
    this.onChange();
  }

  toggleLock(entry: SegmentEntry): void {
    // Cornerstone announces the change, and the list redraws from its state.
    segmentation.segmentLocking.setSegmentIndexLocked(
      this.segmentationId!,
      entry.segmentIndex,
      !entry.locked,
    );
  }

  render(): void {
    const active = this.active()?.segmentIndex;
    this.list.replaceChildren(
      ...this.entries.map((entry) => {
        const li = document.createElement('li');
        li.className = entry.segmentIndex === active ? 'active' : '';
        li.dataset.segmentIndex = String(entry.segmentIndex);
        li.dataset.testid = `segment-${entry.segmentIndex}`;
        const swatch = document.createElement('span');
        swatch.className = 'swatch';
        swatch.style.background = `rgb(${entry.color.join(',')})`;
        const label = document.createElement('span');
        label.className = 'label';
        label.textContent = `${entry.segmentIndex}. ${entry.label}`;
        const lock = document.createElement('button');
        lock.type = 'button';
        lock.textContent = entry.locked ? 'locked' : 'lock';
        lock.title = entry.locked ? 'Unlock: allow edits' : 'Lock: protect from edits';
        lock.dataset.testid = `lock-${entry.segmentIndex}`;
        lock.addEventListener('click', (e) => {
          e.stopPropagation();
          this.toggleLock(entry);
        });
        li.append(swatch, label, lock);
        li.addEventListener('click', () => this.activate(entry.segmentIndex));
        return li;
      }),
    );
  }
}
