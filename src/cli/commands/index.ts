import type { Command } from 'commander';

/**
 * Every CLI command lives in its own file in this folder and exports one `register(program)`.
 * Add yours to this list.
 */
export const commands: Array<(program: Command) => void> = [];
