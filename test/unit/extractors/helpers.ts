/** Test helpers around the in-process worker entry (same code the pool runs). */
import { expect } from 'vitest';
import { extractionResultSchema, type ExtractionResult, type SerializedError } from '../../../shared/extraction';
import { run } from '../../../workers/extract';

export async function extractOk(path: string, options: Record<string, unknown> = {}): Promise<ExtractionResult> {
  const out = await run({ path, options });
  if (!out.ok) throw new Error(`expected success for ${path}, got ${out.error.code}: ${out.error.message}`);
  // Every result must satisfy the shared contract.
  expect(extractionResultSchema.safeParse(out.result).success).toBe(true);
  return out.result;
}

export async function extractErr(path: string, options: Record<string, unknown> = {}): Promise<SerializedError> {
  const out = await run({ path, options });
  if (out.ok) throw new Error(`expected failure for ${path}, got a ${out.result.format} result`);
  return out.error;
}
