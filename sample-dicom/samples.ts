/**
 * The bundled sample studies: which phantom, and the patient, study and acquisition attributes their
 * DICOM files carry. Shared by generate.ts and the tests that check the committed files against it.
 */
import { uidFromSeed } from '../src/dicom/uid.ts';
import { abdomenCT } from './phantom/ct-abdomen.ts';
import { brainMR } from './phantom/mr-brain.ts';
import type { PhantomDefinition } from './phantom/volume.ts';

export interface Sample {
  name: string;
  define: () => PhantomDefinition;
  patientName: string;
  patientID: string;
  studyDescription: string;
  acquisition: Record<string, string | number>;
}

export const SAMPLES: Sample[] = [
  {
    name: 'ct-abdomen',
    define: abdomenCT,
    patientName: 'PHANTOM^ABDOMEN CT',
    patientID: 'RMSAM-PHANTOM-CT',
    studyDescription: 'Synthetic abdominal CT phantom',
    acquisition: { BodyPartExamined: 'ABDOMEN', KVP: 120, ConvolutionKernel: 'STANDARD' },
  },
  {
    name: 'mr-brain',
    define: brainMR,
    patientName: 'PHANTOM^BRAIN MR',
    patientID: 'RMSAM-PHANTOM-MR',
    studyDescription: 'Synthetic brain MR phantom',
    acquisition: {
      BodyPartExamined: 'BRAIN',
      ScanningSequence: 'SE',
      SequenceVariant: 'NONE',
      MRAcquisitionType: '2D',
      RepetitionTime: 500,
      EchoTime: 12,
      MagneticFieldStrength: 1.5,
    },
  },
];

/** A fixed UID for one of a sample's objects ('study', 'series', 'truth instance', ...). */
export function sampleUid(sample: string, what: string): string {
  return uidFromSeed(`robustmedsam sample ${sample} ${what}`);
}

/** The SOP Instance UID of slice k (0 = most superior) of a sample series. */
export function sampleImageUid(sample: string, k: number): string {
  return sampleUid(sample, `image ${k}`);
}
