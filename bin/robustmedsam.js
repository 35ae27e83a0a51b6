#!/usr/bin/env node
// Runs the TypeScript CLI straight from src/ through tsx, so a fresh clone needs no build step.
import { register } from 'tsx/esm/api';

// `robustmedsam ... | head` closes our stdout early: that is the reader's choice, not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
