import type { Command } from 'commander';
import { register as registerDegrade } from './degrade.ts';
import { register as registerRobustness } from './robustness.ts';
import { register as registerSegInfo } from './seg-info.ts';

/**
 * Every CLI command lives in its own file in this folder and exports one `register(program)`.
 * Add yours to this list.
 */
export const commands: Array<(program: Command) => void> = [registerDegrade, registerRobustness, registerSegInfo];
