#!/usr/bin/env node
'use strict';
// nndelta's ort worker: hosts one ONNX Runtime session at a time and speaks the frame protocol of
// docs/worker-protocol.md on stdin/stdout (protocol.js). Requests are handled one at a time, in
// order. stdout carries frames only: everything else that would reach it goes to stderr.
const protocol = require('./protocol');
const {Request, ErrorKind} = protocol;
const {parseEnvironment, EnvironmentError} = require('./environment');
const {createSession, workerDescription, oneLine} = require('./runtime');
const {InputTensors, fromOrtTensor} = require('./tensors');
const {FrameIo} = require('./frame_io');

// Libraries may print (Emscripten's stdout, console.log in worker threads, which Node forwards
// through process.stdout): send all of it to stderr and write frames to fd 1 directly.
function keepStdoutForFrames() {
  process.stdout.write = process.stderr.write.bind(process.stderr);
  console.log = console.error;
  console.info = console.error;
  console.debug = console.error;
}

const log = (message) => process.stderr.write(`ort worker: ${message}\n`);

function die(message, code) {
  log(message);
  process.exit(code);
}

let frames = null;  // the FrameIo, from main() on

function send(frame) {
  try {
    frames.write(frame);
  } catch (e) {
    die(`cannot write a reply to stdout: ${e.message}`, 1);
  }
}

const inputTensors = new InputTensors();

// The session of the last successful PREPARE: { ort, session, primary, all } (output names).
let current = null;

async function prepare(request) {
  if (current) {
    const old = current.session;
    current = null;
    await old.release().catch((e) => log(`releasing the previous session: ${oneLine(e)}`));
  }
  try {
    const env = parseEnvironment(request.environment, request.threads);
    const {ort, session, description} = await createSession(env, request.model);
    const all = session.outputNames;
    if (request.primaryOutputs > all.length) {
      await session.release();
      throw new EnvironmentError(
          `${request.label}: ${request.primaryOutputs} primary outputs asked for, the model has ${
              all.length}`,
      );
    }
    current = {ort, session, primary: all.slice(0, request.primaryOutputs || all.length), all};
    send(protocol.encodePrepared(description));
  } catch (e) {
    const message = e instanceof EnvironmentError ?
        e.message :
        `${request.label}: onnxruntime refused the model: ${oneLine(e)}`;
    send(protocol.encodeError(ErrorKind.PREPARE_REFUSED, message));
  }
}

async function run(request) {
  if (!current) {
    send(protocol.encodeError(ErrorKind.RUN_FAILED, 'no session: PREPARE has not succeeded'));
    return;
  }
  try {
    const feeds = {};
    request.inputs.forEach((input, index) => {
      if (input.name in feeds) throw new Error(`input '${input.name}' is given twice`);
      feeds[input.name] = inputTensors.tensor(current.ort, input, index);
    });
    const names = request.type === Request.INFER ? current.primary : current.all;
    const start = process.hrtime.bigint();
    const results = await current.session.run(feeds, names);
    const latencyNs = process.hrtime.bigint() - start;
    const outputs = names.map((name) => fromOrtTensor(name, results[name]));
    send(protocol.encodeOutputs(latencyNs, outputs));
  } catch (e) {
    send(protocol.encodeError(ErrorKind.RUN_FAILED, oneLine(e)));
  }
}

async function handle(frame) {
  let request;
  try {
    request = protocol.decodeRequest(frame);
  } catch (e) {
    // The frame boundary is intact, so answer and stay usable.
    const kind = frame.type === Request.PREPARE ? ErrorKind.PREPARE_REFUSED : ErrorKind.RUN_FAILED;
    send(protocol.encodeError(kind, `malformed request: ${e.message}`));
    return;
  }
  switch (request.type) {
    case Request.HELLO:
      if (request.version !== protocol.PROTOCOL_VERSION) {
        log(`parent speaks protocol ${request.version}; this worker speaks ${
            protocol.PROTOCOL_VERSION}`);
      }
      send(protocol.encodeReady(workerDescription()));
      break;
    case Request.PREPARE:
      await prepare(request);
      break;
    case Request.INFER:
    case Request.INTERMEDIATES:
      await run(request);
      break;
    case Request.QUIT:
      process.exit(0);
  }
}

async function main() {
  keepStdoutForFrames();
  try {
    frames = new FrameIo();
  } catch (e) {
    die(e.message, 1);
  }
  for (;;) {
    const frame = frames.next();
    if (frame === null) process.exit(0);
    if (frame.fatal !== undefined) die(frame.fatal, frame.code);
    if (frame.truncated !== undefined) {
      log(`stdin closed inside a frame (${frame.truncated} bytes)`);
      process.exit(0);
    }
    await handle(frame);
  }
}

main();
