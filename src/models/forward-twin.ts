/**
 * The forward twin: an ONNX copy of a TorchScript model that runs its gradient-free calls
 * (predictions and the forward-only methods) through onnxruntime on the CPU. `fass train`
 * writes one beside the model (<model>.onnx) and records it in the JSON card beside the model
 * with both files' SHA-256, so that a twin is used only while it belongs to that exact model:
 * retraining, replacing or editing either file turns it off (with the reason, for --verbose).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { cardPathFor, ModelCard } from './card.js';
import { referenceCnnOnnx, type NamedParameter } from './onnx-export.js';

export interface ForwardTwinRecord { file: string; sha256: string; source_sha256: string }

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** <model minus .pt>.onnx */
export function twinPathFor(modelPath: string): string {
  return modelPath.replace(/(\.ts)?\.pt$/, '') + '.onnx';
}

/** Writes the ONNX twin of a reference CNN and returns what the card records about it. */
export function writeForwardTwin(modelPath: string, params: NamedParameter[], inputShape: [number, number, number]): ForwardTwinRecord {
  const source = sha256File(modelPath);
  const bytes = referenceCnnOnnx(params, inputShape, { 'fass.source_sha256': source });
  const out = twinPathFor(modelPath);
  writeFileSync(out + '.partial', bytes);
  renameSync(out + '.partial', out);
  return { file: basename(out), sha256: createHash('sha256').update(bytes).digest('hex'), source_sha256: source };
}

/** The twin's path when the card beside the model names one that matches both files; else why not. */
export function findForwardTwin(modelPath: string): { path: string } | { reason: string } {
  const cardPath = cardPathFor(modelPath);
  if (!existsSync(cardPath)) return { reason: `no card ${cardPath}` };
  let record: ForwardTwinRecord | undefined;
  try {
    record = ModelCard.parse(JSON.parse(readFileSync(cardPath, 'utf8'))).forward_onnx;
  } catch (e) {
    return { reason: `card ${cardPath} does not parse: ${(e as Error).message.split('\n')[0]}` };
  }
  if (!record) return { reason: `card ${cardPath} names no ONNX twin` };
  const path = join(dirname(modelPath), record.file);
  if (!existsSync(path)) return { reason: `the twin ${path} is missing` };
  if (sha256File(modelPath) !== record.source_sha256) return { reason: `${modelPath} changed since its twin was written` };
  if (sha256File(path) !== record.sha256) return { reason: `the twin ${path} changed since it was written` };
  return { path };
}
