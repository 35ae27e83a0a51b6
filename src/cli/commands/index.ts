import type { Command } from 'commander';
import { register as registerDegrade } from './degrade.ts';
import { register as registerEvaluate } from './evaluate.ts';
import { register as registerRobustness } from './robustness.ts';
import { register as registerSegInfo } from './seg-info.ts';
import { register as registerSegment } from './segment.ts';
import { register as registerStow } from './stow.ts';

/**
 * Every CLI command lives in its own file in this folder and exports one `register(program)`.
 * Add yours to this list.
 */
export const commands: Array<(program: Command) => void> = [
  registerDegrade,
  registerEvaluate,
  registerRobustness,
  registerSegInfo,
  registerSegment,
  registerStow,
];
