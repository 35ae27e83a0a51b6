/** DICOM DA (YYYYMMDD) and TM (HHMMSS) of a moment, in UTC. */
export function dicomDate(at: Date): string {
  return at.toISOString().slice(0, 10).replaceAll('-', '');
}

export function dicomTime(at: Date): string {
  return at.toISOString().slice(11, 19).replaceAll(':', '');
}
