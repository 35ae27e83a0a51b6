/**
 * Every error a user can cause (bad file, bad model folder, bad prompt) is a RobustMedSamError:
 * `code` is stable for programs, the message says what was wrong, `hint` says what to do about it.
 * Anything else that escapes is a bug in this package.
 */
export class RobustMedSamError extends Error {
  readonly code: string;
  readonly hint: string;

  constructor(code: string, message: string, hint = '', options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.hint = hint;
  }
}

/** The user's input (a file, a flag, a prompt) is wrong. */
export class InputError extends RobustMedSamError {}

/** The command line is wrong: a flag's value is malformed, or two flags contradict each other. */
export class UsageError extends InputError {}

/** A model folder (manifest or graph) is missing, corrupt or inconsistent. */
export class ModelError extends RobustMedSamError {}

/** A DICOM object cannot be read or written as asked. */
export class DicomError extends RobustMedSamError {}

/** Why a DICOMweb request failed, for programs and for the message. */
export type DicomWebFailure =
  | 'unreachable'
  | 'timeout'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'too-large'
  | 'server-error'
  | 'bad-response'
  | 'store-failed';

/**
 * A DICOMweb server could not be reached, refused a request, or answered something unusable. `url` is
 * the request's URL (never with credentials); `status` the HTTP status when there was an answer.
 */
export class DicomWebError extends RobustMedSamError {
  readonly failure: DicomWebFailure;
  readonly url: string;
  readonly status?: number;

  constructor(
    failure: DicomWebFailure,
    url: string,
    message: string,
    hint = '',
    options?: { status?: number; cause?: unknown },
  ) {
    super(`dicomweb-${failure}`, message, hint, options);
    this.failure = failure;
    this.url = url;
    this.status = options?.status;
  }
}
