import { detSinCos } from '../det-math.ts';
import { complexFromReal, fft2InPlace, shift2 } from '../fft.ts';
import { clipTruncate, type Image8 } from './image8.ts';

/**
 * The paper's MRI step motion: the object shifted by `shift` pixels (along the columns) while the lower
 * half of the phase-encode lines was acquired. F = fftshift(fft2(x)); rows firstRow.. (the paper:
 * floor(R/2), the centre line onwards) of F are multiplied by exp(-2 pi i · shift · j / C), j = 0 .. C-1
 * the column index of the shifted array; out = |ifft2(ifftshift(F))|.
 * Because j counts from the array's first column rather than from the k-space centre, an odd shift also
 * flips the sign of the moved lines (exp(-i pi shift) = -1): most of the paper's artefact comes from
 * that, and an even shift gives a far milder image.
 */
export function stepMotion(image: Image8, shift: number, firstRow = Math.floor(image.rows / 2)): Image8 {
  const { rows, columns } = image;
  const spectrum = complexFromReal(image.data, rows, columns);
  fft2InPlace(spectrum);
  const centred = shift2(spectrum);
  const rampRe = new Float64Array(columns);
  const rampIm = new Float64Array(columns);
  for (let j = 0; j < columns; j++) {
    const [s, c] = detSinCos((-2 * Math.PI * ((shift * j) % columns)) / columns);
    rampRe[j] = c;
    rampIm[j] = s;
  }
  for (let r = firstRow; r < rows; r++) {
    for (let j = 0; j < columns; j++) {
      const i = r * columns + j;
      const re = centred.re[i];
      const im = centred.im[i];
      centred.re[i] = re * rampRe[j] - im * rampIm[j];
      centred.im[i] = re * rampIm[j] + im * rampRe[j];
    }
  }
  const back = shift2(centred, true);
  fft2InPlace(back, true);
  const magnitude = new Float64Array(rows * columns);
  for (let i = 0; i < magnitude.length; i++)
    magnitude[i] = Math.sqrt(back.re[i] * back.re[i] + back.im[i] * back.im[i]);
  return clipTruncate(magnitude, rows, columns);
}
