/**
 * A minimal ONNX (protobuf) writer: just the messages an image-to-image graph of float32
 * operators needs (model, graph, node, attribute, tensor, value info). Atelier builds the ESRGAN
 * graphs itself from the TensorFlow.js layers models at load time, so onnxruntime can run them
 * without Python, converters or downloads. Field numbers follow onnx/onnx.proto.
 */

export type OnnxAttribute =
  | { readonly name: string; readonly int: number }
  | { readonly name: string; readonly ints: readonly number[] }
  | { readonly name: string; readonly float: number }
  | { readonly name: string; readonly string: string };

export interface OnnxNode {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly name?: string;
  readonly attributes?: readonly OnnxAttribute[];
}

export interface OnnxInitializer {
  readonly name: string;
  readonly dims: readonly number[];
  /** float32 (ONNX type 1) or int64 (type 7) tensors; int64 values are given as numbers. */
  readonly float32?: Float32Array;
  readonly int64?: readonly number[];
}

/** A graph input or output: a float32 tensor, each dimension a size or a symbolic name. */
export interface OnnxValue {
  readonly name: string;
  readonly dims: ReadonlyArray<number | string>;
}

export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxInitializer[];
  readonly inputs: readonly OnnxValue[];
  readonly outputs: readonly OnnxValue[];
}

const irVersion = 8;
const tensorFloat = 1;
const tensorInt64 = 7;

/** Encodes a graph as an ONNX ModelProto (IR version 8, default opset `opset`). */
export function encodeOnnxModel(graph: OnnxGraph, options: { opset: number; producer: string }): Uint8Array {
  const model = new ProtobufWriter();
  model.varintField(1, irVersion);
  model.stringField(2, options.producer);
  model.messageField(7, encodeGraph(graph));
  const opset = new ProtobufWriter();
  opset.stringField(1, '');
  opset.varintField(2, options.opset);
  model.messageField(8, opset);
  return model.finish();
}

function encodeGraph(graph: OnnxGraph): ProtobufWriter {
  const writer = new ProtobufWriter();
  for (const node of graph.nodes) writer.messageField(1, encodeNode(node));
  writer.stringField(2, graph.name);
  for (const initializer of graph.initializers) writer.messageField(5, encodeTensor(initializer));
  for (const input of graph.inputs) writer.messageField(11, encodeValue(input));
  for (const output of graph.outputs) writer.messageField(12, encodeValue(output));
  return writer;
}

function encodeNode(node: OnnxNode): ProtobufWriter {
  const writer = new ProtobufWriter();
  for (const input of node.inputs) writer.stringField(1, input);
  for (const output of node.outputs) writer.stringField(2, output);
  if (node.name) writer.stringField(3, node.name);
  writer.stringField(4, node.opType);
  for (const attribute of node.attributes ?? []) writer.messageField(5, encodeAttribute(attribute));
  return writer;
}

// AttributeProto.AttributeType values.
const attributeFloat = 1;
const attributeInt = 2;
const attributeString = 3;
const attributeInts = 7;

function encodeAttribute(attribute: OnnxAttribute): ProtobufWriter {
  const writer = new ProtobufWriter();
  writer.stringField(1, attribute.name);
  if ('int' in attribute) {
    writer.varintField(3, attribute.int);
    writer.varintField(20, attributeInt);
  } else if ('ints' in attribute) {
    writer.packedVarintField(8, attribute.ints);
    writer.varintField(20, attributeInts);
  } else if ('float' in attribute) {
    writer.float32Field(2, attribute.float);
    writer.varintField(20, attributeFloat);
  } else {
    writer.bytesField(4, new TextEncoder().encode(attribute.string));
    writer.varintField(20, attributeString);
  }
  return writer;
}

function encodeTensor(tensor: OnnxInitializer): ProtobufWriter {
  const writer = new ProtobufWriter();
  writer.packedVarintField(1, tensor.dims);
  if (tensor.float32) {
    writer.varintField(2, tensorFloat);
    writer.stringField(8, tensor.name);
    // raw_data is little-endian, which is what a Float32Array holds on every platform Node supports.
    writer.bytesField(
      9,
      new Uint8Array(tensor.float32.buffer, tensor.float32.byteOffset, tensor.float32.byteLength),
    );
  } else {
    writer.varintField(2, tensorInt64);
    writer.stringField(8, tensor.name);
    writer.packedVarintField(7, tensor.int64 ?? []);
  }
  return writer;
}

function encodeValue(value: OnnxValue): ProtobufWriter {
  const shape = new ProtobufWriter();
  for (const dim of value.dims) {
    const dimension = new ProtobufWriter();
    if (typeof dim === 'number') dimension.varintField(1, dim);
    else dimension.stringField(2, dim);
    shape.messageField(1, dimension);
  }
  const tensorType = new ProtobufWriter();
  tensorType.varintField(1, tensorFloat);
  tensorType.messageField(2, shape);
  const type = new ProtobufWriter();
  type.messageField(1, tensorType);
  const writer = new ProtobufWriter();
  writer.stringField(1, value.name);
  writer.messageField(2, type);
  return writer;
}

/** Protobuf wire format, write side only: varints, length-delimited fields, fixed32 floats. */
class ProtobufWriter {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  varintField(field: number, value: number): void {
    this.tag(field, 0);
    this.varint(value);
  }

  float32Field(field: number, value: number): void {
    this.tag(field, 5);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.push(bytes);
  }

  stringField(field: number, value: string): void {
    this.bytesField(field, new TextEncoder().encode(value));
  }

  bytesField(field: number, bytes: Uint8Array): void {
    this.tag(field, 2);
    this.varint(bytes.byteLength);
    this.push(bytes);
  }

  messageField(field: number, message: ProtobufWriter): void {
    this.bytesField(field, message.finish());
  }

  packedVarintField(field: number, values: readonly number[]): void {
    const packed = new ProtobufWriter();
    for (const value of values) packed.varint(value);
    this.bytesField(field, packed.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return out;
  }

  private tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  /** Non-negative integers only (sizes, enum values, dims): all this writer ever needs. */
  private varint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(
        `Expected a non-negative safe integer for a protobuf varint but received ${value}`,
      );
    }
    const bytes: number[] = [];
    let rest = value;
    while (rest >= 0x80) {
      bytes.push((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    bytes.push(rest);
    this.push(Uint8Array.from(bytes));
  }

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.byteLength;
  }
}
