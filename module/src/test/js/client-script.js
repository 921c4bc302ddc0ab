// Loads the browser client exactly as ClientScriptServlet serves it at {prefix}/client.js: the parts
// that client/parts.txt lists, concatenated in its order. The manifest is the one source of the order.
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const PARTS_DIR = path.join(__dirname, '../../main/resources/io/switchboard/internal/web/client');

/** The part files in serving order: the manifest's lines, without blank lines and `#` comments. */
function partNames() {
  return fs.readFileSync(path.join(PARTS_DIR, 'parts.txt'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** The script's text, joined as the servlet joins it: the parts in order, each ending with a newline, a blank line between two. */
function source() {
  return partNames().map((name) => {
    const text = fs.readFileSync(path.join(PARTS_DIR, name), 'utf8');
    return text.endsWith('\n') ? text : text + '\n';
  }).join('\n');
}

/**
 * Runs the script as a CommonJS module and returns its export, the Switchboard class. It runs in this
 * context (not a sandbox), so the globals the tests replace (timers, Date.now) are the ones it sees.
 * Stack traces name `client.js` with the line numbers of the concatenation (as a browser would).
 */
function load() {
  return evaluate(source());
}

/** Runs `script` as a CommonJS module, as load() does; for tests of the script's assembly. */
function evaluate(script) {
  const module = { exports: {} };
  // The wrapper stays on the script's first line, so line numbers are those of the served script.
  const run = vm.runInThisContext('(function (module, exports) {' + script + '\n})', { filename: 'client.js' });
  run(module, module.exports);
  return module.exports;
}

module.exports = { PARTS_DIR, partNames, source, load, evaluate };
