// Tests of the browser client's batched and binary frames (SPEC v1.1): what it asks for in the
// handshake and how it reads a message that holds several frames, or UTF-8 bytes.
// Run: node --test module/src/test/js/   (Node 18+, no npm dependencies)
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');

const Switchboard = require('./client-script.js').load();

/** A WebSocket stand-in the test opens and feeds; it records what the client sends. */
class FakeWebSocket {
  constructor(url) {
    this.url = url;
    this.sent = [];
    FakeWebSocket.sockets.push(this);
  }
  send(text) { this.sent.push(JSON.parse(text)); }
  close() {}
  open() { this.onopen({}); }
  receive(frame) { this.onmessage({ data: JSON.stringify(frame) }); }
  drop(code = 1006) { this.onclose({ code, reason: '', wasClean: false }); }
}
FakeWebSocket.sockets = [];

/** A client on fake sockets, closed after the test (which stops its timers). */
function setup(t, urls = 'ws://node-1/switchboard/ws', options = {}) {
  const sb = new Switchboard(urls, { WebSocket: FakeWebSocket, minDelay: 60000, maxDelay: 60000, ...options });
  t.after(() => sb.close());
  const latest = () => FakeWebSocket.sockets[FakeWebSocket.sockets.length - 1];
  const connect = () => {
    const ws = latest();
    ws.open();
    ws.receive({ op: 'welcome', session: 's', node: 'node-1', heartbeat: 25000, user: null });
    return ws;
  };
  return { sb, latest, connect };
}

/** What a server sends a client that asked for batches: several frames in one message, joined by '\n'. */
function joined(frames) {
  return frames.map((f) => JSON.stringify(f)).join('\n');
}

/** The same as one binary message (UTF-8), as an ArrayBuffer, which is what binaryType 'arraybuffer' hands over. */
function binary(text) {
  const bytes = new TextEncoder().encode(text);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}

const welcome = { op: 'welcome', session: 's', node: 'node-1', heartbeat: 25000, user: null };
const events = [1, 2, 3].map((n) => ({ op: 'event', channel: 'news', event: 'm', data: 'é' + n, offset: 'E-' + n }));

test('asks for batched binary frames by default and reads binary messages as ArrayBuffers', (t) => {
  const { latest } = setup(t);
  assert.equal(latest().url, 'ws://node-1/switchboard/ws?batch=1&binary=1');
  assert.equal(latest().binaryType, 'arraybuffer');
});

test('a batched text message is handled frame by frame, in order', (t) => {
  const { sb, latest } = setup(t);
  const seen = [];
  sb.subscribe('news', (data, meta) => seen.push([data, meta.offset]));
  const ws = latest();
  ws.open();
  ws.onmessage({ data: joined([welcome, { op: 'subscribed', channel: 'news', offset: 'E-0', recovered: true }, ...events]) });
  assert.equal(sb.welcome.session, 's');
  assert.deepEqual(seen, [['é1', 'E-1'], ['é2', 'E-2'], ['é3', 'E-3']]);
});

test('a binary message holding one frame is decoded as UTF-8 and handled', (t) => {
  const { sb, latest } = setup(t);
  const seen = [];
  sb.subscribe('news', (data) => seen.push(data));
  const ws = latest();
  ws.open();
  ws.onmessage({ data: binary(JSON.stringify(welcome)) });
  ws.onmessage({ data: binary(JSON.stringify(events[0])) });
  assert.equal(sb.welcome.node, 'node-1');
  assert.deepEqual(seen, ['é1']);
});

test('a binary batched message is decoded, split and handled in order', (t) => {
  const { sb, latest } = setup(t);
  const seen = [];
  sb.subscribe('news', (data) => seen.push(data));
  const ws = latest();
  ws.open();
  ws.onmessage({ data: binary(joined([welcome, ...events])) });
  ws.onmessage({ data: new Uint8Array(new TextEncoder().encode(joined([{ op: 'event', channel: 'news', event: 'm', data: 'x', offset: 'E-4' }]))) });
  assert.deepEqual(seen, ['é1', 'é2', 'é3', 'x']);
});

test('frames after one that ends the connection in the same batch are not handled', (t) => {
  const { sb, connect } = setup(t);
  const seen = [];
  sb.subscribe('news', (data) => seen.push(data));
  const ws = connect();
  sb.on('welcome', () => ws.drop(1006)); // a second welcome: the test drops the socket while handling it
  ws.onmessage({ data: joined([events[0], welcome, events[1]]) });
  assert.deepEqual(seen, ['é1']);
  assert.equal(sb.connected, false);
});

test('batch: false and binary: false ask for plain text frames, which are handled as before', (t) => {
  const { sb, latest, connect } = setup(t, 'ws://h/switchboard/ws', { batch: false, binary: false });
  assert.equal(latest().url, 'ws://h/switchboard/ws');
  assert.notEqual(latest().binaryType, 'arraybuffer');
  const seen = [];
  sb.subscribe('news', (data) => seen.push(data));
  connect().receive(events[0]);
  assert.deepEqual(seen, ['é1']);
});

test('binary: false alone asks for batched text frames', (t) => {
  const { latest } = setup(t, 'ws://h/switchboard/ws', { binary: false });
  assert.equal(latest().url, 'ws://h/switchboard/ws?batch=1');
  assert.notEqual(latest().binaryType, 'arraybuffer');
});

test('batch: false alone asks for unbatched binary frames', (t) => {
  const { latest } = setup(t, 'ws://h/switchboard/ws', { batch: false });
  assert.equal(latest().url, 'ws://h/switchboard/ws?binary=1');
  assert.equal(latest().binaryType, 'arraybuffer');
});
