/**
 * A minimal Protocol Buffers writer (proto3 wire format): enough to write an ONNX ModelProto.
 * Each message is built as a list of encoded fields; nested messages are length-delimited.
 * Only what ONNX needs: varints (int32/int64/enum, non-negative here), fixed32 floats, bytes,
 * strings and nested messages. https://protobuf.dev/programming-guides/encoding/
 */

const enum Wire { Varint = 0, Len = 2, Fixed32 = 5 }

function varint(value: number | bigint): number[] {
  let v = BigInt(value);
  if (v < 0n) throw new RangeError(`protobuf writer: negative varint ${v} is not supported`);
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}

const tag = (field: number, wire: Wire) => varint((field << 3) | wire);

export class Message {
  private readonly parts: Uint8Array[] = [];

  int(field: number, value: number | bigint): this {
    this.parts.push(Uint8Array.from([...tag(field, Wire.Varint), ...varint(value)]));
    return this;
  }

  /** Repeated integers, written unpacked (every proto2/proto3 reader accepts that). */
  ints(field: number, values: readonly number[]): this {
    for (const v of values) this.int(field, v);
    return this;
  }

  float(field: number, value: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.parts.push(Uint8Array.from([...tag(field, Wire.Fixed32), ...b]));
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.parts.push(Uint8Array.from([...tag(field, Wire.Len), ...varint(value.length)]), value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, value: Message): this {
    return this.bytes(field, value.encode());
  }

  encode(): Uint8Array {
    const size = this.parts.reduce((s, p) => s + p.length, 0);
    const out = new Uint8Array(size);
    let at = 0;
    for (const p of this.parts) { out.set(p, at); at += p.length; }
    return out;
  }
}
