export * from './model.js';
export * from './card.js';
export { TorchModel } from './torch-model.js';
export { OnnxModel } from './onnx-model.js';
export { loadModel, isOnnxPath } from './load.js';
export { evaluate, type Evaluation, type ClassAccuracy } from './evaluate.js';
export { trainReference, type TrainSpec, type TrainResult } from './train.js';
