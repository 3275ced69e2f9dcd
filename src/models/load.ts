/** Opens a model file by its kind: .onnx through onnxruntime-node, anything else as TorchScript. */
import { statSync } from 'node:fs';
import { InputFileError } from '../errors.js';
import type { LoadOptions, Model } from './model.js';
import { OnnxModel } from './onnx-model.js';
import { TorchModel } from './torch-model.js';

export function isOnnxPath(path: string): boolean {
  return path.toLowerCase().endsWith('.onnx');
}

export async function loadModel(path: string, opts: LoadOptions = {}): Promise<Model> {
  let isFile = false;
  try { isFile = statSync(path).isFile(); } catch { /* reported below */ }
  if (!isFile) {
    throw new InputFileError(path, 'model file not found', 'expected a TorchScript file (.pt, as written by torch.jit.save or `fass train`) or an ONNX file (.onnx)');
  }
  return isOnnxPath(path) ? OnnxModel.load(path, opts) : TorchModel.load(path, opts);
}
