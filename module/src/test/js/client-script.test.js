// Tests of the browser client's assembly: the parts listed in client/parts.txt, concatenated as
// ClientScriptServlet serves them, make one script with the client's whole public API.
// Run: node --test module/src/test/js/   (Node 18+, no npm dependencies)
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const { PARTS_DIR, partNames, source, load, evaluate } = require('./client-script.js');

const PUBLIC_METHODS = ['close', 'off', 'on', 'presence', 'publish', 'send', 'subscribe', 'unsubscribe'];
const PUBLIC_GETTERS = ['connected', 'transport'];
const STATICS = ['backoffDelay', 'isAfter', 'refreshDelay', 'toSseUrl', 'toWebSocketUrl', 'tokenExpiry'];

/** The public (not underscore) members of the class: [methods, getters, static functions], sorted. */
function publicApi(Switchboard) {
  const descriptors = Object.getOwnPropertyDescriptors(Switchboard.prototype);
  const names = Object.keys(descriptors).filter((name) => !name.startsWith('_') && name !== 'constructor');
  return [
    names.filter((name) => typeof descriptors[name].value === 'function').sort(),
    names.filter((name) => typeof descriptors[name].get === 'function').sort(),
    Object.keys(Switchboard).filter((name) => typeof Switchboard[name] === 'function').sort(),
  ];
}

test('every part in the folder is listed in the manifest, once, from the wrapper start to the wrapper end', () => {
  const listed = partNames();
  const files = fs.readdirSync(PARTS_DIR).filter((name) => name.endsWith('.js')).sort();
  assert.deepEqual([...listed].sort(), files);
  assert.equal(new Set(listed).size, listed.length, 'a part listed twice');
  assert.equal(listed[0], 'begin.js');
  assert.equal(listed[listed.length - 1], 'end.js');
});

test('the concatenated parts parse as one script', () => {
  assert.doesNotThrow(() => new vm.Script(source(), { filename: 'client.js' }));
});

test('loaded as a CommonJS module, the script exports the class with the whole public API', () => {
  const Switchboard = load();
  assert.equal(typeof Switchboard, 'function');
  assert.deepEqual(publicApi(Switchboard), [PUBLIC_METHODS, PUBLIC_GETTERS, STATICS]);
  // As in a class body, whichever part defines them: nothing on the prototype is enumerable.
  assert.deepEqual(Object.keys(Switchboard.prototype), []);
});

test('loaded as a classic script, it defines the global Switchboard with the same API', () => {
  const page = { URL };
  page.self = page; // what a browser's global object is called in a classic script
  vm.runInNewContext(source(), page, { filename: 'client.js' });
  assert.equal(typeof page.Switchboard, 'function');
  assert.deepEqual(publicApi(page.Switchboard), [PUBLIC_METHODS, PUBLIC_GETTERS, STATICS]);
});

test('a client built from the assembled script has every part\'s state and public fields', () => {
  const Switchboard = load();
  class SilentWebSocket {
    constructor(url) { this.url = url; }
    send() {}
    close() {}
  }
  const sb = new Switchboard('ws://h/switchboard/ws', { WebSocket: SilentWebSocket, sse: false });
  try {
    assert.equal(sb.connected, false);
    assert.equal(sb.transport, 'websocket');
    assert.equal(sb.welcome, null);
    assert.equal(sb.disconnected, null);
    assert.ok(sb._ws instanceof SilentWebSocket, 'the client connects at once');
  } finally {
    sb.close();
  }
});

test('a method defined by two parts stops the script from loading', () => {
  const script = source();
  const end = fs.readFileSync(path.join(PARTS_DIR, 'end.js'), 'utf8');
  assert.ok(script.endsWith(end));
  const clashing = script.slice(0, script.length - end.length) + '  addMethods({ subscribe() {} });\n' + end;
  assert.throws(() => evaluate(clashing), /subscribe is defined by two parts/);
});
