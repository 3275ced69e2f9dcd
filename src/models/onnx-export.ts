/**
 * ONNX export of the reference CNN (the architecture `fass train` builds): the same graph as the
 * TorchScript module, written from its parameters, so that the methods that need only forward
 * passes (predictions, occlusion, LIME, RISE, ...) can run through onnxruntime, which runs this
 * small network several times faster than LibTorch on a CPU. Only this architecture is exported:
 * a general TorchScript-to-ONNX converter is torch.onnx's job, in Python.
 */
import { UserError } from '../errors.js';
import { Message } from '../util/protobuf.js';

export interface NamedParameter { name: string; shape: number[]; data: Float32Array }

const FLOAT = 1;           // TensorProto.DataType.FLOAT
const ATTR_INTS = 7;       // AttributeProto.AttributeType.INTS
const ATTR_INT = 2;        // AttributeProto.AttributeType.INT
const OPSET = 13;
const IR_VERSION = 7;      // the IR version of opset 13

/** The parameters of the reference CNN, in order; each checked for its rank. */
const LAYOUT: [string, number][] = [
  ['conv1.weight', 4], ['conv1.bias', 1], ['conv2.weight', 4], ['conv2.bias', 1],
  ['fc1.weight', 2], ['fc1.bias', 1], ['fc2.weight', 2], ['fc2.bias', 1],
];

function tensorProto(p: NamedParameter): Message {
  const raw = new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength);
  return new Message().ints(1, p.shape).int(2, FLOAT).string(8, p.name).bytes(9, raw.slice());
}

function attrInts(name: string, values: number[]): Message {
  return new Message().string(1, name).int(20, ATTR_INTS).ints(8, values);
}

function attrInt(name: string, value: number): Message {
  return new Message().string(1, name).int(20, ATTR_INT).int(3, value);
}

function node(op: string, inputs: string[], output: string, attrs: Message[] = []): Message {
  const m = new Message();
  for (const i of inputs) m.string(1, i);
  m.string(2, output).string(3, output).string(4, op);
  for (const a of attrs) m.message(5, a);
  return m;
}

/** A float tensor's ValueInfoProto; a string dimension is symbolic (the batch). */
function valueInfo(name: string, dims: (number | string)[]): Message {
  const shape = new Message();
  for (const d of dims) shape.message(1, typeof d === 'number' ? new Message().int(1, d) : new Message().string(2, d));
  const tensorType = new Message().int(1, FLOAT).message(2, shape);
  return new Message().string(1, name).message(2, new Message().message(1, tensorType));
}

/**
 * The ONNX bytes of a reference CNN given its parameters (as ScriptModel.parameters() lists them)
 * and its input shape [C, H, W]. Input `input` [N,C,H,W], output `logits` [N,classes]; `metadata`
 * goes into the model's metadata_props.
 */
export function referenceCnnOnnx(params: NamedParameter[], inputShape: [number, number, number], metadata: Record<string, string> = {}): Uint8Array {
  const byName = new Map(params.map((p) => [p.name, p]));
  const names = params.map((p) => p.name).sort().join(', ');
  for (const [name, rank] of LAYOUT) {
    const p = byName.get(name);
    if (!p || p.shape.length !== rank) {
      throw new UserError(`ONNX export covers the reference CNN only (conv1, conv2, fc1, fc2); this model has parameters: ${names}`);
    }
  }
  if (params.length !== LAYOUT.length) {
    throw new UserError(`ONNX export covers the reference CNN only (8 parameters); this model has ${params.length}: ${names}`);
  }
  const classes = byName.get('fc2.bias')!.shape[0];
  const [c, h, w] = inputShape;
  const conv = [attrInts('kernel_shape', [3, 3]), attrInts('pads', [1, 1, 1, 1]), attrInts('strides', [1, 1])];
  const pool = [attrInts('kernel_shape', [2, 2]), attrInts('strides', [2, 2])];
  const gemm = [attrInt('transB', 1)];
  const graph = new Message()
    .message(1, node('Conv', ['input', 'conv1.weight', 'conv1.bias'], 'conv1', conv))
    .message(1, node('Relu', ['conv1'], 'relu1'))
    .message(1, node('MaxPool', ['relu1'], 'pool1', pool))
    .message(1, node('Conv', ['pool1', 'conv2.weight', 'conv2.bias'], 'conv2', conv))
    .message(1, node('Relu', ['conv2'], 'relu2'))
    .message(1, node('MaxPool', ['relu2'], 'pool2', pool))
    .message(1, node('Flatten', ['pool2'], 'flat', [attrInt('axis', 1)]))
    .message(1, node('Gemm', ['flat', 'fc1.weight', 'fc1.bias'], 'fc1', gemm))
    .message(1, node('Relu', ['fc1'], 'relu3'))
    .message(1, node('Gemm', ['relu3', 'fc2.weight', 'fc2.bias'], 'logits', gemm))
    .string(2, 'fass-reference-cnn');
  for (const [name] of LAYOUT) graph.message(5, tensorProto(byName.get(name)!));
  graph.message(11, valueInfo('input', ['N', c, h, w])).message(12, valueInfo('logits', ['N', classes]));
  const model = new Message()
    .int(1, IR_VERSION)
    .string(2, 'fass')
    .message(7, graph)
    .message(8, new Message().string(1, '').int(2, OPSET));
  for (const [key, value] of Object.entries(metadata)) model.message(14, new Message().string(1, key).string(2, value));
  return model.encode();
}
