'use strict';
// Builds tiny ONNX models in the tests, written straight as protobuf (ModelProto field numbers
// from onnx.proto3), so the tests need no Python and no checked-in binary fixtures.
//
//   buildModel({ opset: 13, inputs: [['x', 1, [1, 3]]], outputs: [['y', 1, [1, 3]]],
//                nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] })

function varint(n) {
  const out = [];
  let v = BigInt(n);
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return Buffer.from(out);
}

const key = (field, wireType) => varint((field << 3) | wireType);
const intField = (field, n) => Buffer.concat([key(field, 0), varint(n)]);
const bytesField = (field, bytes) => {
  const b = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'utf8');
  return Buffer.concat([key(field, 2), varint(b.length), b]);
};

// ValueInfoProto { name = 1; type = 2 } with TypeProto.tensor_type (1) { elem_type = 1;
// shape = 2 { dim = 1 { dim_value = 1 | dim_param = 2 } } }. A string dim is symbolic.
function valueInfo([name, elemType, dims]) {
  const dimFields = dims.map(
      (d) => bytesField(1, typeof d === 'string' ? bytesField(2, d) : intField(1, d)),
  );
  const tensorType =
      Buffer.concat([intField(1, elemType), bytesField(2, Buffer.concat(dimFields))]);
  return Buffer.concat([bytesField(1, name), bytesField(2, bytesField(1, tensorType))]);
}

// NodeProto { input = 1; output = 2; name = 3; op_type = 4 }.
function node({op, inputs, outputs}, index) {
  return Buffer.concat([
    ...inputs.map((i) => bytesField(1, i)),
    ...outputs.map((o) => bytesField(2, o)),
    bytesField(3, `${op.toLowerCase()}_${index}`),
    bytesField(4, op),
  ]);
}

// ModelProto { ir_version = 1; opset_import = 8 { version = 2 }; producer_name = 2; graph = 7 }
// with GraphProto { node = 1; name = 2; input = 11; output = 12 }.
function buildModel({opset = 13, inputs, outputs, nodes}) {
  const graph = Buffer.concat([
    ...nodes.map((n, i) => bytesField(1, node(n, i))),
    bytesField(2, 'test_graph'),
    ...inputs.map((v) => bytesField(11, valueInfo(v))),
    ...outputs.map((v) => bytesField(12, valueInfo(v))),
  ]);
  return Buffer.concat([
    intField(1, 8),  // IR version 8 (ONNX 1.10+)
    bytesField(2, 'nndelta-ort-worker-test'),
    bytesField(7, graph),
    bytesField(8, intField(2, opset)),
  ]);
}

module.exports = {buildModel};
