'use strict';
// The environment spelling `ort[+transform...]@device:Ok[,key=value...]` as far as the ort
// worker needs it. Transforms were already applied by the parent and are ignored here. Anything
// the worker cannot honour throws EnvironmentError, whose message names the offending part.

const DEVICES = ['cpu', 'wasm'];
// O0..O3 -> SessionOptions.graphOptimizationLevel.
const LEVELS = ['disabled', 'basic', 'extended', 'all'];
const OPTIONS = ['threads'];

class EnvironmentError extends Error {}

// Returns { text, device, level (0..3), graphOptimizationLevel, threads }. `threads` is the
// PREPARE request's thread count; an explicit `threads=N` option in the spelling wins over it.
// 0 threads means the library's default.
function parseEnvironment(text, requestThreads) {
  const where = `environment '${text}'`;
  let rest = text;
  let options = null;
  const comma = rest.indexOf(',');
  if (comma >= 0) {
    options = rest.slice(comma + 1);
    rest = rest.slice(0, comma);
  }
  let level = 2;
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    const spelled = rest.slice(colon + 1);
    const match = /^[Oo]([0-3])$/.exec(spelled);
    if (!match)
      throw new EnvironmentError(
          `${where}: unknown optimization level '${spelled}' (ort knows O0..O3)`);
    level = Number(match[1]);
    rest = rest.slice(0, colon);
  }
  let device = 'cpu';
  const at = rest.indexOf('@');
  if (at >= 0) {
    device = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const framework = rest.split('+')[0];
  if (framework !== 'ort')
    throw new EnvironmentError(`${where}: framework '${framework}' is not ort`);
  if (!DEVICES.includes(device)) {
    throw new EnvironmentError(
        `${where}: unknown device '${device}' for ort (known: ${DEVICES.join(', ')})`);
  }

  let threads = requestThreads;
  if (options !== null) {
    const seen = new Set();
    for (const pair of options.split(',')) {
      const eq = pair.indexOf('=');
      if (eq <= 0 || eq === pair.length - 1)
        throw new EnvironmentError(`${where}: option '${pair}' is not key=value`);
      const key = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (seen.has(key)) throw new EnvironmentError(`${where}: option '${key}' is given twice`);
      seen.add(key);
      if (!OPTIONS.includes(key)) {
        throw new EnvironmentError(
            `${where}: unknown option '${key}' for ort (known: ${OPTIONS.join(', ')})`);
      }
      if (!/^[1-9][0-9]{0,3}$/.test(value)) {
        throw new EnvironmentError(`${where}: option threads=${value} is not a positive integer`);
      }
      threads = Number(value);
    }
  }
  return {text, device, level, graphOptimizationLevel: LEVELS[level], threads};
}

module.exports = {
  parseEnvironment,
  EnvironmentError,
  DEVICES,
  LEVELS
};
