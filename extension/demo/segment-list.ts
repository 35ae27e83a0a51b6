/**
 * The segment list: each segment's colour, label and lock, the active one highlighted. Labels and
 * codes come from src/dicom's organ table, so what the list shows is what the SEG will say.
 */
import { segmentation } from '@cornerstonejs/tools';
import { ORGANS } from '../../src/dicom/codes.ts';
import type { SegmentDescription } from '../../src/dicom/seg-writer.ts';

export interface SegmentEntry {
  segmentIndex: number;
  label: string;
  color: [number, number, number];
  locked: boolean;
  /** Codes and algorithm for the SEG; loaded segments keep the ones they came with. */
  description: Omit<SegmentDescription, 'algorithmType' | 'algorithmName' | 'algorithmVersion'> &
    Partial<Pick<SegmentDescription, 'algorithmType' | 'algorithmName' | 'algorithmVersion'>>;
}

const DEFAULT_ORGAN: Record<string, string> = { CT: 'liver', MR: 'brain' };

export class SegmentList {
  private readonly list: HTMLElement;
  private readonly organSelect: HTMLSelectElement;
  private readonly viewportId: string;
  private segmentationId: string | null = null;
  entries: SegmentEntry[] = [];
  onChange: () => void = () => undefined;

  constructor(list: HTMLElement, organSelect: HTMLSelectElement, viewportId: string) {
    this.list = list;
    this.organSelect = organSelect;
    this.viewportId = viewportId;
    for (const [key, entry] of Object.entries(ORGANS)) organSelect.append(new Option(entry.label, key));
    document.getElementById('add-segment')?.addEventListener('click', () => {
      if (this.segmentationId) this.addOrgan(organSelect.value);
    });
  }

  /** Starts a new list for a freshly created segmentation, with one segment for the modality's usual organ. */
  attach(segmentationId: string, modality: string): void {
    this.segmentationId = segmentationId;
    this.entries = [];
    const organ = DEFAULT_ORGAN[modality] ?? 'liver';
    this.organSelect.value = organ;
    this.addOrgan(organ);
  }

  nextIndex(): number {
    return Math.max(0, ...this.entries.map((e) => e.segmentIndex)) + 1;
  }

  active(): SegmentEntry | undefined {
    if (!this.segmentationId) return undefined;
    const index = segmentation.segmentIndex.getActiveSegmentIndex(this.segmentationId);
    return this.entries.find((e) => e.segmentIndex === index);
  }

  addOrgan(key: string): SegmentEntry {
    const organ = ORGANS[key];
    return this.add({
      label: organ.label,
      color: organ.color,
      description: {
        label: organ.label,
        codes: { category: organ.category, type: organ.type, typeModifier: organ.typeModifier },
        color: organ.color,
      },
    });
  }

  add(entry: Omit<SegmentEntry, 'segmentIndex' | 'locked'>, segmentIndex = this.nextIndex()): SegmentEntry {
    const id = this.segmentationId!;
    const full: SegmentEntry = { ...entry, segmentIndex, locked: false };
    this.entries.push(full);
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
    segmentation.config.color.setSegmentIndexColor(this.viewportId, id, segmentIndex, [...entry.color, 255]);
    this.activate(segmentIndex);
    return full;
  }

  activate(segmentIndex: number): void {
    segmentation.segmentIndex.setActiveSegmentIndex(this.segmentationId!, segmentIndex);
    this.render();
    this.onChange();
  }

  toggleLock(entry: SegmentEntry): void {
    entry.locked = !entry.locked;
    segmentation.segmentLocking.setSegmentIndexLocked(this.segmentationId!, entry.segmentIndex, entry.locked);
    this.render();
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
