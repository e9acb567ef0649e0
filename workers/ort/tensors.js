'use strict';
// Conversion between protocol tensors ({ name, dtype, dims, data: raw bytes }) and ONNX Runtime
// tensors. Only the element types the protocol carries are known; anything else is refused with a
// message naming the tensor.
const os = require('node:os');

if (os.endianness() !== 'LE') {
  // The wire format is little-endian and typed arrays use the host order.
  throw new Error('the ort worker needs a little-endian host');
}

// ONNX TensorProto.DataType number -> ORT type name and the typed array ORT keeps it in.
// float16 travels as raw 16-bit patterns (Node 20 has no Float16Array); bool as one byte each.
const DTYPES = new Map([
  [1, {ort: 'float32', array: Float32Array}],
  [2, {ort: 'uint8', array: Uint8Array}],
  [3, {ort: 'int8', array: Int8Array}],
  [5, {ort: 'int16', array: Int16Array}],
  [6, {ort: 'int32', array: Int32Array}],
  [7, {ort: 'int64', array: BigInt64Array}],
  [9, {ort: 'bool', array: Uint8Array}],
  [10, {ort: 'float16', array: Uint16Array}],
  [11, {ort: 'float64', array: Float64Array}],
]);
const DTYPE_BY_ORT_NAME = new Map([...DTYPES].map(([number, t]) => [t.ort, number]));

const elementCount = (dims) => dims.reduce((n, d) => n * d, 1);

// The ORT tensors of the inputs of one request after another. Input bytes that sit misaligned in
// their frame are copied into a buffer kept per input: allocating a fresh 600 KB typed array per
// inference costs 0.5-1.4 ms here (zero-filled pages faulting in), more than the whole
// per-inference budget of the protocol. And as frames come back in the same few buffers, an
// input whose bytes sit where they sat in the buffer's last frame, with the same type and dims,
// gets that frame's tensor again: the tensor reads them when the session runs.
class InputTensors {
  constructor() {
    this.staging = [];
    this.made = new WeakMap();  // buffer -> the last tensor made over it, per input number
  }

  // An aligned copy of `data` in the buffer kept for input number `index`.
  copy(index, data) {
    let buffer = this.staging[index];
    if (!buffer || buffer.byteLength < data.byteLength) {
      buffer = new ArrayBuffer(Math.max(data.byteLength, 2 * (buffer ? buffer.byteLength : 0)));
      this.staging[index] = buffer;
    }
    new Uint8Array(buffer, 0, data.byteLength).set(data);
    return buffer;
  }

  // Protocol tensor number `index` as an ORT tensor of `ort` (onnxruntime-node or -web), over its
  // bytes in the frame or over their aligned copy; valid until the frame's buffer or the copy is
  // reused.
  tensor(ort, tensor, index) {
    const type = DTYPES.get(tensor.dtype);
    if (!type)
      throw new Error(
          `input '${tensor.name}' has dtype ${tensor.dtype}, which the protocol does not define`);
    for (const d of tensor.dims) {
      if (d < 0)
        throw new Error(`input '${tensor.name}' has a negative dimension in [${tensor.dims}]`);
    }
    const count = elementCount(tensor.dims);
    const expected = count * type.array.BYTES_PER_ELEMENT;
    if (tensor.data.byteLength !== expected) {
      throw new Error(
          `input '${tensor.name}' has ${tensor.data.byteLength} data bytes; ` +
              `${type.ort} [${tensor.dims}] needs ${expected}`,
      );
    }
    const {data} = tensor;
    const aligned = data.byteOffset % type.array.BYTES_PER_ELEMENT === 0;
    const buffer = aligned ? data.buffer : this.copy(index, data);
    const offset = aligned ? data.byteOffset : 0;
    let made = this.made.get(buffer);
    if (made === undefined) {
      made = [];
      this.made.set(buffer, made);
    }
    const last = made[index];
    if (last && last.ort === ort && last.offset === offset && last.type === type &&
        sameDims(last.value.dims, tensor.dims)) {
      return last.value;
    }
    const value = new ort.Tensor(type.ort, new type.array(buffer, offset, count), tensor.dims);
    made[index] = {ort, offset, type, value};
    return value;
  }
}

function sameDims(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return false;
  }
  return true;
}

// An ORT output as a protocol tensor (a view of ORT's data, not a copy).
function fromOrtTensor(name, value) {
  if (!value || typeof value.type !== 'string' || !ArrayBuffer.isView(value.data)) {
    throw new Error(`output '${name}' is not a tensor`);
  }
  const dtype = DTYPE_BY_ORT_NAME.get(value.type);
  if (dtype === undefined)
    throw new Error(`output '${name}' has type ${value.type}, which the protocol cannot carry`);
  const data = new Uint8Array(value.data.buffer, value.data.byteOffset, value.data.byteLength);
  return {name, dtype, dims: value.dims.map(Number), data};
}

module.exports = {
  DTYPES,
  InputTensors,
  fromOrtTensor,
  elementCount
};
