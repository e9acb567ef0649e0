'use strict';
// The worker protocol of docs/worker-protocol.md, and nothing else: frame reassembly, payload
// building blocks, and the encoders and decoders of every request and reply. Both sides are here
// (the worker decodes requests and encodes replies; client.js, used by the tests and measure.js,
// does the opposite), so this one file is what to audit against the doc. No ONNX Runtime here.
//
// A tensor on the wire is, in JS, { name, dtype, dims, data }: dtype is the ONNX TensorProto
// number, dims an array of non-negative Numbers, data a Uint8Array of the raw little-endian
// elements (not checked against dtype and dims here; tensors.js does that).

const PROTOCOL_VERSION = 1;
const MAX_FRAME_LENGTH = 1 << 30;  // bytes after the u32 length (type + payload), at most 1 GiB
const MAX_SAFE_HIGH = 0x1fffff;    // the high 32 bits of Number.MAX_SAFE_INTEGER

const Request = Object.freeze({HELLO: 1, PREPARE: 2, INFER: 3, INTERMEDIATES: 4, QUIT: 5});
const Reply = Object.freeze({READY: 129, PREPARED: 130, OUTPUTS: 131, ERROR: 255});
const ErrorKind = Object.freeze({PREPARE_REFUSED: 1, RUN_FAILED: 2});

// A payload or frame that does not follow the protocol.
class ProtocolError extends Error {}

// Throws ProtocolError on a frame length of 0 (no type byte) or above MAX_FRAME_LENGTH: the
// stream cannot be resynchronised after that.
function checkFrameLength(length) {
  if (length === 0) throw new ProtocolError('frame of length 0 has no type byte');
  if (length > MAX_FRAME_LENGTH) {
    throw new ProtocolError(`frame length ${length} exceeds the 1 GiB limit`);
  }
}

// Reassembles frames from stream chunks that may split a frame anywhere or carry several frames.
// Chunks are kept as they came and joined only once a whole frame is there, so a large model
// arriving in many 64 KiB chunks is copied once.
class FrameReader {
  constructor() {
    this.chunks = [];
    this.buffered = 0;
  }

  // Adds a chunk and returns the complete frames now available, each { type, payload }.
  // Throws ProtocolError on a length of 0 (no type byte) or above MAX_FRAME_LENGTH: the stream
  // cannot be resynchronised after that.
  push(chunk) {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const frames = [];
    while (this.buffered >= 4) {
      const length = this.peek(4).readUInt32LE(0);
      checkFrameLength(length);
      if (this.buffered < 4 + length) break;
      const frame = this.take(4 + length);
      frames.push({type: frame[4], payload: frame.subarray(5)});
    }
    return frames;
  }

  // Bytes still waiting for the rest of their frame.
  pending() {
    return this.buffered;
  }

  // The first n bytes (n <= buffered), joining only the chunks they span.
  peek(n) {
    if (this.chunks[0].length >= n) return this.chunks[0];
    let count = 0;
    let size = 0;
    while (size < n) size += this.chunks[count++].length;
    return Buffer.concat(this.chunks.slice(0, count), size);
  }

  // Removes and returns the first n bytes (n <= buffered).
  take(n) {
    const head = this.peek(n);
    let used = 0;
    while (used < n && used + this.chunks[0].length <= n) used += this.chunks.shift().length;
    if (used < n) this.chunks[0] = this.chunks[0].subarray(n - used);
    this.buffered -= n;
    return head.subarray(0, n);
  }
}

// Reads payload building blocks with bounds checks; every read past the end is a ProtocolError.
// A field is named by up to three parts (e.g. "tensor 'x'", " dim ", 2) that are joined only
// for an error: the reader runs between two inferences, with caches that ONNX Runtime has just
// filled, so it builds no strings and calls no Buffer methods on success.
class PayloadReader {
  constructor(payload, what) {
    this.buf = payload instanceof Buffer ?
        payload :
        Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
    this.view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
    this.length = payload.byteLength;
    this.pos = 0;
    this.what = what;
  }

  need(n, field, suffix = '', index = '') {
    if (this.pos + n > this.length) {
      throw new ProtocolError(
          `${this.what}: payload ends inside ${field}${suffix}${index} (needs ${n} bytes at ` +
              `offset ${this.pos}, ${this.length - this.pos} left)`,
      );
    }
  }

  u8(field, suffix) {
    this.need(1, field, suffix);
    return this.view.getUint8(this.pos++);
  }

  u32(field, suffix) {
    this.need(4, field, suffix);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  // 64-bit integers are read as two 32-bit halves: BigInt reads and comparisons made decoding an
  // INFER several times slower.
  u64(field, suffix = '') {
    this.need(8, field, suffix);
    const low = this.view.getUint32(this.pos, true);
    const high = this.view.getUint32(this.pos + 4, true);
    this.pos += 8;
    if (high > MAX_SAFE_HIGH) {
      const v = this.view.getBigUint64(this.pos - 8, true);
      throw new ProtocolError(`${this.what}: ${field}${suffix} ${v} is too large`);
    }
    return high * 0x100000000 + low;
  }

  i64(field, suffix = '', index = '') {
    this.need(8, field, suffix, index);
    const low = this.view.getUint32(this.pos, true);
    const high = this.view.getInt32(this.pos + 4, true);
    this.pos += 8;
    if (high > MAX_SAFE_HIGH || high < -MAX_SAFE_HIGH - 1 ||
        (high === -MAX_SAFE_HIGH - 1 && low === 0)) {
      const v = this.view.getBigInt64(this.pos - 8, true);
      throw new ProtocolError(`${this.what}: ${field}${suffix}${index} ${v} is out of range`);
    }
    return high * 0x100000000 + low;
  }

  str(field, suffix = '') {
    const n = this.u32(field, `${suffix} length`);
    this.need(n, field, suffix);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  // A Uint8Array view into the frame, not a copy.
  bytes(field, suffix = '') {
    const n = this.u64(field, `${suffix} length`);
    this.need(n, field, suffix);
    const b = new Uint8Array(this.buf.buffer, this.buf.byteOffset + this.pos, n);
    this.pos += n;
    return b;
  }

  tensor(index) {
    const name = this.str('tensor ', `${index} name`);
    const field = `tensor '${name}'`;
    const dtype = this.u8(field, ' dtype');
    const rank = this.u32(field, ' rank');
    this.need(rank * 8, field, ' dims');
    const dims = new Array(rank);
    for (let i = 0; i < rank; i++) dims[i] = this.i64(field, ' dim ', i);
    const data = this.bytes(field, ' data');
    return {name, dtype, dims, data};
  }

  tensors() {
    const count = this.u32('tensor count');
    const list = [];
    for (let i = 0; i < count; i++) list.push(this.tensor(i));
    return list;
  }

  end() {
    if (this.pos !== this.length) {
      throw new ProtocolError(
          `${this.what}: ${this.length - this.pos} unexpected bytes after the payload`);
    }
  }
}

// Builds a payload from building blocks.
class PayloadWriter {
  constructor() {
    this.parts = [];
  }

  u8(v) {
    this.parts.push(Buffer.from([v]));
    return this;
  }

  u32(v) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.parts.push(b);
    return this;
  }

  u64(v) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.parts.push(b);
    return this;
  }

  i64(v) {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(BigInt(v));
    this.parts.push(b);
    return this;
  }

  str(s) {
    const b = Buffer.from(s, 'utf8');
    this.u32(b.length);
    this.parts.push(b);
    return this;
  }

  bytes(data) {
    this.u64(data.byteLength);
    this.parts.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    return this;
  }

  tensors(list) {
    this.u32(list.length);
    for (const t of list) {
      this.str(t.name).u8(t.dtype).u32(t.dims.length);
      for (const d of t.dims) this.i64(d);
      this.bytes(t.data);
    }
    return this;
  }

  // The whole frame: u32 length, u8 type, payload.
  frame(type) {
    const size = this.parts.reduce((n, p) => n + p.length, 0);
    if (1 + size > MAX_FRAME_LENGTH) {
      throw new ProtocolError(`frame of ${1 + size} bytes exceeds the 1 GiB limit`);
    }
    const head = Buffer.alloc(5);
    head.writeUInt32LE(1 + size, 0);
    head[4] = type;
    return Buffer.concat([head, ...this.parts], 5 + size);
  }
}

const requestNames = Object.fromEntries(Object.entries(Request).map(([k, v]) => [v, k]));

// Decodes a request frame into { type, ... }. Throws ProtocolError on a malformed payload or
// an unknown type.
function decodeRequest({type, payload}) {
  const name = requestNames[type];
  if (name === undefined) throw new ProtocolError(`unknown request type ${type}`);
  const r = new PayloadReader(payload, name);
  let request;
  switch (type) {
    case Request.HELLO:
      request = {type, version: r.u32('protocol version')};
      break;
    case Request.PREPARE:
      request = {
        type,
        environment: r.str('environment'),
        threads: r.u32('threads'),
        primaryOutputs: r.u32('primary outputs'),
        label: r.str('model label'),
        model: r.bytes('model'),
      };
      break;
    case Request.INFER:
    case Request.INTERMEDIATES:
      request = {type, inputs: r.tensors()};
      break;
    case Request.QUIT:
      request = {type};
      break;
  }
  r.end();
  return request;
}

const encodeReady = (description) =>
    new PayloadWriter().u32(PROTOCOL_VERSION).str(description).frame(Reply.READY);
const encodePrepared = (description) => new PayloadWriter().str(description).frame(Reply.PREPARED);
// The reply to every INFER, written straight into one buffer that is kept from one reply to the
// next: building it from small pieces, or in a fresh buffer, cost tens of microseconds per
// inference, which run cold after ONNX Runtime has filled the caches. The frame returned is only
// valid until the next call.
let outputsFrame = Buffer.alloc(0);
let outputsView = new DataView(outputsFrame.buffer, 0, 0);

function encodeOutputs(latencyNs, tensors) {
  let size = 5 + 8 + 4;
  for (const t of tensors) {
    size += 4 + Buffer.byteLength(t.name) + 1 + 4 + 8 * t.dims.length + 8 + t.data.byteLength;
  }
  if (size - 4 > MAX_FRAME_LENGTH) {
    throw new ProtocolError(`frame of ${size - 4} bytes exceeds the 1 GiB limit`);
  }
  if (outputsFrame.length < size) {
    outputsFrame = Buffer.allocUnsafeSlow(Math.max(size, 2 * outputsFrame.length));
    outputsView = new DataView(outputsFrame.buffer, outputsFrame.byteOffset, outputsFrame.length);
  }
  const out = outputsFrame;
  const view = outputsView;
  view.setUint32(0, size - 4, true);
  view.setUint8(4, Reply.OUTPUTS);
  setU64(view, 5, Number(latencyNs));
  view.setUint32(13, tensors.length, true);
  let at = 17;
  for (const t of tensors) {
    const nameLength = out.write(t.name, at + 4);
    view.setUint32(at, nameLength, true);
    at += 4 + nameLength;
    view.setUint8(at, t.dtype);
    view.setUint32(at + 1, t.dims.length, true);
    at += 5;
    for (const d of t.dims) at = setU64(view, at, d);
    at = setU64(view, at, t.data.byteLength);
    out.set(t.data, at);
    at += t.data.byteLength;
  }
  return out.subarray(0, size);
}

// Writes a safe integer as 64-bit two's complement at `at` without going through BigInt; returns
// the offset after it.
function setU64(view, at, v) {
  const high = Math.floor(v / 0x100000000);
  view.setUint32(at, v - high * 0x100000000, true);
  view.setInt32(at + 4, high, true);
  return at + 8;
}

const encodeError = (kind, message) => new PayloadWriter().u8(kind).str(message).frame(Reply.ERROR);

const encodeHello = (version = PROTOCOL_VERSION) =>
    new PayloadWriter().u32(version).frame(Request.HELLO);
const encodePrepare = ({environment, threads, primaryOutputs, label, model}) =>
    new PayloadWriter()
        .str(environment)
        .u32(threads)
        .u32(primaryOutputs)
        .str(label)
        .bytes(model)
        .frame(Request.PREPARE);
const encodeInfer = (inputs, type = Request.INFER) =>
    new PayloadWriter().tensors(inputs).frame(type);
const encodeQuit = () => new PayloadWriter().frame(Request.QUIT);

// Decodes a reply frame into { type, ... } (used by client.js).
function decodeReply({type, payload}) {
  const r = new PayloadReader(payload, `reply ${type}`);
  let reply;
  switch (type) {
    case Reply.READY:
      reply = {type, version: r.u32('protocol version'), description: r.str('description')};
      break;
    case Reply.PREPARED:
      reply = {type, description: r.str('description')};
      break;
    case Reply.OUTPUTS:
      reply = {type, latencyNs: r.u64('latency'), tensors: r.tensors()};
      break;
    case Reply.ERROR:
      reply = {type, kind: r.u8('kind'), message: r.str('message')};
      break;
    default:
      throw new ProtocolError(`unknown reply type ${type}`);
  }
  r.end();
  return reply;
}

module.exports = {
  PROTOCOL_VERSION,
  MAX_FRAME_LENGTH,
  Request,
  Reply,
  ErrorKind,
  ProtocolError,
  FrameReader,
  decodeRequest,
  decodeReply,
  encodeReady,
  encodePrepared,
  encodeOutputs,
  encodeError,
  encodeHello,
  encodePrepare,
  encodeInfer,
  encodeQuit,
};
