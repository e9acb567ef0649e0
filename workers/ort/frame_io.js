'use strict';
// The worker's frames on stdin and stdout, through the native addon of native/frame_io.cc. Its
// thread reads the next request while ONNX Runtime runs the current one on this thread
// (onnxruntime-node's run blocks it): copying a 600 KB image out of the pipe took ~0.1 ms of each
// 5 ms inference, and handing it over from a JavaScript thread ~25 us more (bench/RESULTS.md).
//
// The build makes the addon (cmake --build build); nndelta passes its path in
// NNDELTA_ORT_FRAME_IO, and without it the worker looks in the checkout's build/.
const path = require('node:path');

const addonPath = () => process.env.NNDELTA_ORT_FRAME_IO ||
    path.join(__dirname, '..', '..', 'build', 'ort_frame_io.node');

// The addon, or an Error saying where it was looked for.
function loadAddon() {
  const file = addonPath();
  try {
    return require(file);
  } catch (e) {
    throw new Error(`cannot load the frame reader ${file} (cmake --build build makes it): ${
        e.message.split('\n')[0]}`);
  }
}

class FrameIo {
  constructor() {
    this.native = loadAddon();
    this.meta = new Int32Array(3);  // the frame's type, payload start and payload size
    this.native.open(this.meta);
    // The Buffer of the last payload per ArrayBuffer, kept while its frame's place is the same
    // (frames come back in the same few buffers).
    this.payloads = new WeakMap();
  }

  // The next request frame, blocking until it is there: { type, payload } (payload valid until
  // the next call), null when stdin ends between frames, { truncated: bytes } when it ends inside
  // one, or { fatal, code } when stdin cannot be read or is not a frame stream.
  next() {
    const m = this.native.next();
    if (!(m instanceof ArrayBuffer)) return m.end ? null : m;
    const start = this.meta[1];
    const size = this.meta[2];
    let payload = this.payloads.get(m);
    if (payload === undefined || payload.byteOffset !== start || payload.length !== size) {
      payload = Buffer.from(m, start, size);
      this.payloads.set(m, payload);
    }
    return {type: this.meta[0], payload};
  }

  // Writes a reply frame to stdout whole; throws with the reason when it cannot.
  write(frame) {
    this.native.write(frame);
  }
}

module.exports = {FrameIo};
