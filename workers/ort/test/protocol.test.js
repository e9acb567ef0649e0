'use strict';
// protocol.js on its own: exact bytes of a few frames (written out by hand from
// docs/worker-protocol.md, so an encoder and decoder that agree on a wrong layout still fail),
// frame reassembly, and malformed payloads.
const test = require('node:test');
const assert = require('node:assert/strict');
const protocol = require('../protocol');

const hex = (s) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('HELLO and ERROR frames have the documented bytes', () => {
  // u32 length 5, u8 type 1, u32 version 1
  assert.deepEqual(protocol.encodeHello(), hex('05000000 01 01000000'));
  // u32 length 9 (type 1 + kind 1 + str 4+3), u8 type 255, u8 kind 2, str "abc"
  assert.deepEqual(protocol.encodeError(2, 'abc'), hex('09000000 ff 02 03000000 616263'));
});

test('OUTPUTS carries u64 latency then tensors with i64 dims and u64 data length', () => {
  const frame = protocol.encodeOutputs(258n, [
    {name: 'y', dtype: 9, dims: [2], data: Uint8Array.from([1, 0])},
  ]);
  const expected = hex(
      '29000000 83' +                    // length 41, type 131
          '0201000000000000' +           // latency 258
          '01000000' +                   // 1 tensor
          '01000000 79' +                // name "y"
          '09' +                         // dtype bool
          '01000000 0200000000000000' +  // rank 1, dim 2
          '0200000000000000 0100',       // 2 data bytes
  );
  assert.deepEqual(frame, expected);
});

test('PREPARE decodes field by field', () => {
  // Built by hand: str env, u32 threads, u32 primary, str label, bytes model.
  const env = Buffer.from('ort@cpu:O3');
  const label = Buffer.from('m');
  const model = Buffer.from([7, 8, 9]);
  const payload = Buffer.concat([
    Buffer.from([env.length, 0, 0, 0]),
    env,
    hex('02000000'),  // threads 2
    hex('01000000'),  // primary outputs 1
    Buffer.from([label.length, 0, 0, 0]),
    label,
    hex('0300000000000000'),
    model,
  ]);
  const request = protocol.decodeRequest({type: 2, payload});
  assert.equal(request.environment, 'ort@cpu:O3');
  assert.equal(request.threads, 2);
  assert.equal(request.primaryOutputs, 1);
  assert.equal(request.label, 'm');
  assert.deepEqual(Buffer.from(request.model), model);
});

test('frames split at every byte and coalesced come out whole and in order', () => {
  const frames = [
    protocol.encodeHello(),
    protocol.encodeInfer([{name: 'x', dtype: 1, dims: [1, 2], data: new Uint8Array(8).fill(3)}]),
    protocol.encodeQuit(),
  ];
  const stream = Buffer.concat(frames);
  for (const step of [1, 2, 3, 5, 7, stream.length]) {
    const reader = new protocol.FrameReader();
    const got = [];
    for (let i = 0; i < stream.length; i += step)
      got.push(...reader.push(stream.subarray(i, i + step)));
    assert.equal(got.length, 3, `chunks of ${step}`);
    assert.deepEqual(
        got.map((f) => f.type),
        [1, 3, 5],
    );
    const infer = protocol.decodeRequest(got[1]);
    assert.deepEqual(infer.inputs[0].dims, [1, 2]);
    assert.deepEqual(Buffer.from(infer.inputs[0].data), Buffer.alloc(8, 3));
    assert.equal(reader.pending(), 0);
  }
});

test('a frame length of 0 or above 1 GiB cannot be read', () => {
  assert.throws(() => new protocol.FrameReader().push(hex('00000000')), /length 0/);
  assert.throws(() => new protocol.FrameReader().push(hex('01000040')), /1 GiB/);
});

test('truncated, overlong and unknown requests are ProtocolErrors naming the field', () => {
  assert.throws(
      () => protocol.decodeRequest({type: 1, payload: hex('0100')}),
      (e) => e instanceof protocol.ProtocolError &&
          /HELLO: payload ends inside protocol version/.test(e.message),
  );
  assert.throws(
      () => protocol.decodeRequest({type: 5, payload: hex('00')}), /QUIT: 1 unexpected bytes/);
  assert.throws(
      () => protocol.decodeRequest({type: 9, payload: hex('')}), /unknown request type 9/);
  // A tensor whose data length runs past the frame.
  const infer = protocol.encodeInfer([{name: 'x', dtype: 1, dims: [1], data: new Uint8Array(4)}]);
  const cut = infer.subarray(5, infer.length - 1);
  assert.throws(
      () => protocol.decodeRequest({type: 3, payload: cut}),
      /INFER: payload ends inside tensor 'x' data/);
});

// An INFER payload of one tensor 'x' (dtype float) with the given i64 dims and u64 data length,
// as raw 64-bit patterns, and no data.
function inferPayload(dims, dataLength) {
  const i64 = (v) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(v);
    return b;
  };
  const u64 = Buffer.alloc(8);
  u64.writeBigUInt64LE(dataLength);
  return Buffer.concat([
    hex('01000000 01000000 78 01'),  // 1 tensor, name "x", dtype 1
    Buffer.from([dims.length, 0, 0, 0]),
    ...dims.map(i64),
    u64,
  ]);
}

test('64-bit dims and lengths are exact up to 2^53 - 1 either way and refused beyond', () => {
  const max = 2n ** 53n - 1n;
  const exact = [0n, 1n, -1n, 2n ** 32n - 1n, 2n ** 32n, -(2n ** 32n), 2n ** 32n + 5n, max, -max];
  for (const d of exact) {
    const request = protocol.decodeRequest({type: 3, payload: inferPayload([d, 3n], 0n)});
    assert.deepEqual(request.inputs[0].dims, [Number(d), 3], `dim ${d}`);
  }
  for (const d of [max + 1n, -max - 1n, 2n ** 63n - 1n, -(2n ** 63n)]) {
    assert.throws(
        () => protocol.decodeRequest({type: 3, payload: inferPayload([1n, d], 0n)}),
        new RegExp(`INFER: tensor 'x' dim 1 ${d} is out of range`));
  }
  for (const n of [max + 1n, 2n ** 64n - 1n]) {
    assert.throws(
        () => protocol.decodeRequest({type: 3, payload: inferPayload([1n], n)}),
        new RegExp(`INFER: tensor 'x' data length ${n} is too large`));
  }
  assert.throws(
      () => protocol.decodeRequest({type: 3, payload: hex('01000000 0500')}),
      /INFER: payload ends inside tensor 0 name length/);
  assert.throws(
      () => protocol.decodeRequest({type: 3, payload: inferPayload([1n, 2n], 0n).subarray(0, 20)}),
      /INFER: payload ends inside tensor 'x' dims/);
});

test(
    'OUTPUTS frames stay exact when a larger reply grows the kept buffer and a smaller follows',
    () => {
      const small = () => protocol.encodeOutputs(258n, [
        {name: 'y', dtype: 9, dims: [2], data: Uint8Array.from([1, 0])},
      ]);
      const expected = Buffer.from(small());
      const big = protocol.encodeOutputs(2n ** 40n + 7n, [
        {
          name: 'lögits',
          dtype: 1,
          dims: [-(2 ** 53 - 1), 2 ** 40],
          data: new Uint8Array(9000).fill(5)
        },
        {name: 'n', dtype: 7, dims: [], data: new Uint8Array(8).fill(2)},
      ]);
      const length = big.readUInt32LE(0);
      assert.equal(big.length, 4 + length);
      const reply = protocol.decodeReply({type: big[4], payload: big.subarray(5)});
      assert.equal(reply.latencyNs, 2 ** 40 + 7);
      assert.deepEqual(reply.tensors.map((t) => [t.name, t.dtype, t.dims, t.data.length]), [
        ['lögits', 1, [-(2 ** 53 - 1), 2 ** 40], 9000],
        ['n', 7, [], 8],
      ]);
      assert.ok(reply.tensors[0].data.every((b) => b === 5));
      assert.deepEqual(small(), expected);
    });
