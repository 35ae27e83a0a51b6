import { Command, CommanderError } from 'commander';
import {
  DicomError,
  DicomWebError,
  InputError,
  ModelError,
  RobustMedSamError,
  UsageError,
} from '../errors.ts';
import { commands } from './commands/index.ts';
import { NotStoredError } from './dicomweb.ts';

/** Exit codes, stable for scripts: documented in the README and in `robustmedsam --help`. */
export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  input: 3,
  model: 4,
  dicom: 5,
  notStored: 6,
  dicomWeb: 7,
} as const;

function exitCodeFor(error: RobustMedSamError): number {
  if (error instanceof NotStoredError) return EXIT.notStored;
  if (error instanceof DicomWebError) return EXIT.dicomWeb;
  if (error instanceof ModelError) return EXIT.model;
  if (error instanceof DicomError) return EXIT.dicom;
  // A malformed flag value is bad usage, as commander's own errors (an unknown or missing option) are.
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof InputError) return EXIT.input;
  return EXIT.input;
}

export function buildProgram(): Command {
  const program = new Command('robustmedsam')
    .description('Box-prompt organ segmentation of CT and MR series with RobustMedSAM, saved as DICOM SEG.')
    .addHelpText(
      'after',
      `\nExit codes: ${EXIT.ok} ok, ${EXIT.usage} bad usage, ${EXIT.input} bad input, ${EXIT.model} bad model folder, ` +
        `${EXIT.dicom} unreadable or invalid DICOM, ${EXIT.notStored} written locally but not stored in the PACS, ` +
        `${EXIT.dicomWeb} the DICOMweb server could not be reached or refused a request, ${EXIT.internal} internal error (a bug: please report it).`,
    )
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  for (const register of commands) register(program);
  return program;
}

/** Runs the CLI on `argv` (process.argv form) and returns the exit code instead of exiting. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof RobustMedSamError) {
      process.stderr.write(`robustmedsam: ${error.message}\n`);
      if (error.hint) process.stderr.write(`  ${error.hint}\n`);
      return exitCodeFor(error);
    }
    process.stderr.write(
      `robustmedsam: internal error: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    return EXIT.internal;
  }
}
