/** The data layer: datasets as streams of float32 NCHW batches in [0, 1]. See README.md. */
export type { Batch, BatchOptions, Dataset, Layout, OpenOptions, SampleError } from './types.js';
export { LAYOUTS } from './types.js';
export { openDataset, DEFAULT_SIZE, CROP_RATIO } from './open.js';
export { parseSpec, ACCEPTED_SPECS, type ParsedSpec } from './spec.js';
export { DEFAULT_DATA_ROOT, FASHION_MNIST_CLASSES, dataRoot } from './named.js';
export { IMAGE_EXTENSIONS } from './folder.js';
export { openIdx, parseIdx, readMaybeGzip } from './idx.js';
export { openCifar10 } from './cifar.js';
export { openSynthetic, hash32 } from './synthetic.js';
export { openFolder, listFolder } from './folder.js';
