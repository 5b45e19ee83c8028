import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeMatrix, decodeModelBundle } from '@gpulab/contracts';

type EncodedMatrix = ReturnType<typeof decodeMatrix>;

const MATRIX_MAGIC = 'GLM1';
const MODEL_MAGIC = 'GLB1';

/**
 * Writes one uploaded artifact under the inputs folder as a command can read it: a picture as
 * the file it was uploaded as, a model as a folder holding `model.json` and `weights.bin`, a
 * data set as CSV (one row a line; its class label, where it has one, as the last column),
 * since the gateway keeps a data set parsed, not its file.
 */
export async function writeInputFile(folder: string, name: string, bytes: Uint8Array): Promise<'dataset' | 'model' | 'file'> {
  const magic = Buffer.from(bytes.subarray(0, 4)).toString('latin1');
  const path = join(folder, name);
  if (magic === MODEL_MAGIC) {
    const bundle = decodeModelBundle(bytes);
    await mkdir(path, { recursive: true });
    await writeFile(join(path, 'model.json'), bundle.modelJson);
    await writeFile(join(path, 'weights.bin'), bundle.weights);
    return 'model';
  }
  if (magic === MATRIX_MAGIC) {
    await writeFile(path, matrixCsv(decodeMatrix(bytes)));
    return 'dataset';
  }
  await writeFile(path, bytes);
  return 'file';
}

/** A matrix as CSV text, numbers in their shortest exact form. */
export function matrixCsv(m: EncodedMatrix): string {
  const lines: string[] = [];
  for (let r = 0; r < m.rows; r += 1) {
    const row = Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols), String);
    if (m.labels) row.push(csvCell(m.labels.names[m.labels.codes[r]] ?? ''));
    lines.push(row.join(','));
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

function csvCell(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
