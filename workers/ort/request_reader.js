'use strict';
// Request frames from stdin. From the first PREPARE on they are read by a thread of their own, so
// that the next request crosses the pipe while ONNX Runtime runs the current one on the main
// thread: onnxruntime-node's run blocks the main thread, and copying a 600 KB image out of the pipe
// took ~0.1 ms of each 5 ms inference (bench/RESULTS.md). Frames before it (HELLO) are read on the
// main thread, so a worker answers HELLO without waiting for the thread to start (~60 ms); the
// thread starts while the model loads.
//
// The thread's frames travel in two buffers that go back and forth: it reads a frame into a free
// buffer and transfers it to the main thread (a move, not a copy), which hands it back when it
// asks for the next frame. onnxruntime-node takes inputs and models in ArrayBuffers only, not
// SharedArrayBuffers; a fresh buffer per frame would cost more than the copy saved (600 KB of
// pages faulting in), hence two warm ones.
const fs = require('node:fs');
const {Worker, MessageChannel, isMainThread, receiveMessageOnPort, workerData} =
    require('node:worker_threads');
const {Request, ProtocolError, checkFrameLength} = require('./protocol');

const STDIN_FD = 0;
const pause = new Int32Array(new SharedArrayBuffer(4));

// Reads n bytes of stdin into buf at offset, blocking; fewer only when stdin ends. Synchronous
// reads, without the event loop's stream machinery, bring a 600 KB image in one or two read(2)
// calls straight into its buffer instead of ten 64 KiB chunk events and a concatenation.
function readFully(buf, offset, n) {
  let got = 0;
  while (got < n) {
    let count;
    try {
      count = fs.readSync(STDIN_FD, buf, offset + got, n - got, null);
    } catch (e) {
      if (e.code === 'EAGAIN') {  // stdin was left non-blocking by whoever started us
        Atomics.wait(pause, 0, 0, 1);
        continue;
      }
      if (e.code === 'EOF') break;
      throw e;
    }
    if (count === 0) break;
    got += count;
  }
  return got;
}

// Where an INFER payload must start in its buffer for its first tensor's data to be 8-byte
// aligned, so that ORT reads the image in place instead of a copy. `prefix` holds the payload's
// first bytes (tensor count, name length, name, dtype, rank); when they are too short to parse,
// the start is 0 and the decoder reports what is wrong.
function alignedStart(prefix) {
  if (prefix.length < 8 || prefix.readUInt32LE(0) === 0) return 0;
  const nameLength = prefix.readUInt32LE(4);
  if (prefix.length < 8 + nameLength + 5) return 0;
  const rank = prefix.readUInt32LE(8 + nameLength + 1);
  const dataOffset = 8 + nameLength + 1 + 4 + 8 * rank + 8;
  return (8 - (dataOffset % 8)) % 8;
}

const MAX_PREFIX = 8 + 256 + 5;  // names longer than 256 bytes are simply not aligned

// Reads one frame into an ArrayBuffer from take(bytes). Returns { type, buffer, start, size } (the
// payload is buffer[start, start + size)), { end: true } when stdin ends between frames, or
// { truncated: bytes } when it ends inside one. Throws ProtocolError when stdin is not a frame
// stream, and read errors.
function readFrame(take) {
  const header = Buffer.alloc(5);
  const got = readFully(header, 0, 5);
  if (got === 0) return {end: true};
  const length = got >= 4 ? header.readUInt32LE(0) : 0;
  if (got >= 4) checkFrameLength(length);
  if (got < 5) return {truncated: got};
  const type = header[4];
  const size = length - 1;
  const buffer = Buffer.from(take(size + 8));
  // The payload is read at offset 8 up to its first tensor's rank, then moved to its aligned start.
  let read = 0;
  let start = 0;
  if (type === Request.INFER || type === Request.INTERMEDIATES) {
    read = readFully(buffer, 8, Math.min(8, size));
    if (read === 8) {
      const nameLength = buffer.readUInt32LE(12);
      const prefixLength = Math.min(size, 8 + nameLength + 5, MAX_PREFIX);
      read += readFully(buffer, 16, prefixLength - 8);
    }
    start = alignedStart(buffer.subarray(8, 8 + read));
    buffer.copyWithin(start, 8, 8 + read);
  }
  read += readFully(buffer, start + read, size - read);
  if (read < size) return {truncated: 5 + read};
  return {type, buffer: buffer.buffer, start, size};
}

// readFrame, with its failures as results: { fatal, code } (the worker's exit status).
function readFrameOrFailure(take) {
  try {
    return readFrame(take);
  } catch (e) {
    return e instanceof ProtocolError ?
        {fatal: `stdin is not a frame stream: ${e.message}`, code: 2} :
        {fatal: `reading stdin: ${e.message}`, code: 1};
  }
}

// A buffer of at least `size` bytes: `kept` when it is large enough, else a new one.
const atLeast = (kept, size) => kept && kept.byteLength >= size ?
    kept :
    new ArrayBuffer(Math.max(size, 2 * (kept?.byteLength ?? 0)));

// Shared counters, so that either thread can block until the other has posted: messages the
// reading thread has posted, buffers the main thread has handed back. A frame is posted as its
// bare buffer, with its type, start and size in the slot of FRAMES for its message number: an
// object would cost its (de)serialisation on the main thread, between two inferences.
const POSTED = 0;
const RETURNED = 1;
const FRAMES = 2;
const SLOTS = 4;  // more than the buffers that exist, so a slot is read before it is reused
const SLOT_INTS = 3;

// The next message on `port`, blocking until the count at counters[index] exceeds `seen`.
function receive(port, counters, index, seen) {
  for (;;) {
    const received = receiveMessageOnPort(port);
    if (received) return received.message;
    // Counted but not yet receivable does not last: a message is queued before its count rises.
    Atomics.wait(counters, index, seen, 10);
  }
}

// The main thread's end.
class RequestReader {
  constructor() {
    this.thread = null;
    this.kept = null;  // the main thread's own buffer, until the thread starts
    this.lent = null;  // the thread's buffer the last frame is in
  }

  // The next frame, blocking until it is there: { type, payload } (payload valid until the next
  // call), null when stdin ends between frames, { truncated: bytes } when it ends inside one, or
  // { fatal, code } when stdin cannot be read or is not a frame stream.
  next() {
    const m = this.thread ? this.fromThread() : readFrameOrFailure((size) => {
      this.kept = atLeast(this.kept, size);
      return this.kept;
    });
    if (m.type === undefined) return m.end ? null : m;
    if (this.thread) this.lent = m.buffer;
    if (m.type === Request.PREPARE && !this.thread) this.startThread();
    return {type: m.type, payload: Buffer.from(m.buffer, m.start, m.size)};
  }

  startThread() {
    this.kept = null;
    this.counters = new Int32Array(new SharedArrayBuffer(4 * (FRAMES + SLOTS * SLOT_INTS)));
    this.received = 0;
    this.returned = 0;
    const {port1, port2} = new MessageChannel();
    this.port = port1;
    this.thread = new Worker(__filename, {
      workerData: {counters: this.counters, port: port2},
      transferList: [port2],
      stdout: true,  // stdout carries frames only; the thread prints nothing anyway
    });
    this.thread.unref();
  }

  fromThread() {
    if (this.lent) {
      this.port.postMessage(this.lent, [this.lent]);
      this.lent = null;
      Atomics.store(this.counters, RETURNED, ++this.returned);
      Atomics.notify(this.counters, RETURNED);
    }
    const number = this.received++;
    const m = receive(this.port, this.counters, POSTED, number);
    if (!(m instanceof ArrayBuffer)) return m;
    const slot = FRAMES + (number % SLOTS) * SLOT_INTS;
    const c = this.counters;
    return {type: c[slot], buffer: m, start: c[slot + 1], size: c[slot + 2]};
  }
}

// The reading thread: posts every frame, then how stdin ended. Two buffers exist at most; a frame
// waits for one to come back.
function readFrames({counters, port}) {
  const free = [];
  let lent = 0;
  let returned = 0;
  const take = (size) => {
    if (free.length === 0 && lent === 2) {
      free.push(receive(port, counters, RETURNED, returned++));
      lent--;
    }
    lent++;
    return atLeast(free.pop(), size);
  };
  for (let number = 0;; number++) {
    const m = readFrameOrFailure(take);
    if (m.buffer) {
      const slot = FRAMES + (number % SLOTS) * SLOT_INTS;
      counters[slot] = m.type;
      counters[slot + 1] = m.start;
      counters[slot + 2] = m.size;
      port.postMessage(m.buffer, [m.buffer]);
    } else {
      port.postMessage(m);
    }
    Atomics.add(counters, POSTED, 1);
    Atomics.notify(counters, POSTED);
    if (m.type === undefined) return;
  }
}

if (!isMainThread && workerData?.port) readFrames(workerData);

module.exports = {RequestReader};
