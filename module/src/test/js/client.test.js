// Tests of the browser client, as served at {prefix}/client.js: the parts listed in
// module/src/main/resources/io/switchboard/internal/web/client/parts.txt, concatenated (client-script.js).
// Run: node --test module/src/test/js/   (Node 18+, no npm dependencies)
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');

const Switchboard = require('./client-script.js').load();

/** A clock the test drives: replaces the global timers and Date.now while installed. */
class FakeClock {
  constructor() {
    this.now = 1_000_000;
    this.timers = new Map(); // id -> {at, fn, every}
    this.nextId = 1;
    this.delays = [];        // every setTimeout delay asked for, in order
  }

  install() {
    this.saved = { setTimeout, clearTimeout, setInterval, clearInterval, now: Date.now };
    globalThis.setTimeout = (fn, ms = 0) => { this.delays.push(ms); return this.add(fn, ms, 0); };
    globalThis.setInterval = (fn, ms) => this.add(fn, ms, ms);
    globalThis.clearTimeout = globalThis.clearInterval = (id) => this.timers.delete(id);
    Date.now = () => this.now;
    return this;
  }

  uninstall() {
    Object.assign(globalThis, {
      setTimeout: this.saved.setTimeout, clearTimeout: this.saved.clearTimeout,
      setInterval: this.saved.setInterval, clearInterval: this.saved.clearInterval,
    });
    Date.now = this.saved.now;
  }

  add(fn, ms, every) {
    const id = this.nextId++;
    this.timers.set(id, { at: this.now + ms, fn, every });
    return id;
  }

  /** Advances time by `ms`, firing due timers in order. */
  tick(ms) {
    const end = this.now + ms;
    for (;;) {
      let next = null;
      for (const [id, t] of this.timers) if (t.at <= end && (!next || t.at < next[1].at)) next = [id, t];
      if (!next) break;
      const [id, t] = next;
      this.now = t.at;
      if (t.every) t.at += t.every; else this.timers.delete(id);
      t.fn();
    }
    this.now = end;
  }
}

/** A WebSocket stand-in; the test opens, feeds and drops it. Records what the client sends. */
function fakeWebSocketClass() {
  const sockets = [];
  class FakeWebSocket {
    constructor(url) {
      this.url = url;
      this.sent = [];
      this.closedWith = null;
      sockets.push(this);
    }
    send(text) { this.sent.push(JSON.parse(text)); }
    close(code, reason) { this.closedWith = { code, reason }; }
    // driven by the test
    open() { this.onopen({}); }
    receive(frame) { this.onmessage({ data: JSON.stringify(frame) }); }
    drop(code = 1006) { this.onclose({ code, reason: '', wasClean: false }); }
    ops(op) { return this.sent.filter((f) => f.op === op); }
  }
  FakeWebSocket.sockets = sockets;
  return FakeWebSocket;
}

/** Starts a client on a fake clock and fake sockets; cleans up after the test. */
function setup(t, urls = 'ws://node-1/switchboard/ws', options = {}) {
  const clock = new FakeClock().install();
  const WS = fakeWebSocketClass();
  const sb = new Switchboard(urls, { WebSocket: WS, ...options });
  t.after(() => { sb.close(); clock.uninstall(); });
  const latest = () => WS.sockets[WS.sockets.length - 1];
  /** Opens the latest socket and says welcome, like a server would. */
  const connect = (node = 'node-1', heartbeat = 25000) => {
    const ws = latest();
    ws.open();
    ws.receive({ op: 'welcome', session: 's', node, heartbeat, user: null });
    return ws;
  };
  return { sb, clock, WS, latest, connect };
}

test('derives WebSocket URLs from http(s) URLs and relative paths, and appends the token', (t) => {
  assert.equal(Switchboard.toWebSocketUrl('http://h:8080/app/switchboard/ws'), 'ws://h:8080/app/switchboard/ws');
  assert.equal(Switchboard.toWebSocketUrl('https://h/switchboard/ws'), 'wss://h/switchboard/ws');
  globalThis.location = { href: 'https://example.org/shop/index.html' };
  try {
    assert.equal(Switchboard.toWebSocketUrl('switchboard/ws'), 'wss://example.org/shop/switchboard/ws');
  } finally {
    delete globalThis.location;
  }
  assert.throws(() => Switchboard.toWebSocketUrl('ftp://h/x'), TypeError);

  const { latest } = setup(t, 'ws://h/switchboard/ws', { token: 'abc.123.x-y_z' });
  assert.equal(latest().url, 'ws://h/switchboard/ws?token=abc.123.x-y_z&batch=1&binary=1');
});

test('fails over to the second URL when the first cannot be reached, round robin', (t) => {
  const { clock, WS, latest, connect } = setup(t, ['ws://node-1/switchboard/ws', 'ws://node-2/switchboard/ws']);
  assert.equal(latest().url, 'ws://node-1/switchboard/ws?batch=1&binary=1');
  latest().drop(1006); // handshake failed
  clock.tick(15000);
  assert.equal(WS.sockets.length, 2);
  assert.equal(latest().url, 'ws://node-2/switchboard/ws?batch=1&binary=1');
  connect('node-2').drop(1001); // node-2 shuts down later
  clock.tick(15000);
  assert.equal(latest().url, 'ws://node-1/switchboard/ws?batch=1&binary=1');
});

test('resubscribes with since = last offset seen after a reconnect, and reports recovery', (t) => {
  const { sb, clock, latest, connect } = setup(t);
  const recovered = [];
  sb.on('recovered', (r) => recovered.push(r));
  sb.subscribe('news', () => {});
  sb.subscribe('quiet', () => {});
  sb.subscribe('news', () => {}); // a second handler: no second wire subscribe

  const first = connect();
  assert.deepEqual(first.ops('subscribe').map((f) => [f.channel, f.since]), [['news', undefined], ['quiet', undefined]]);
  first.receive({ op: 'subscribed', channel: 'news', offset: 'E-3', recovered: true, id: first.ops('subscribe')[0].id });
  first.receive({ op: 'subscribed', channel: 'quiet', offset: 'E-0', recovered: true });
  first.receive({ op: 'event', channel: 'news', event: 'm', data: 1, offset: 'E-4' });
  assert.deepEqual(recovered, [], 'a first subscribe is not a recovery');

  first.drop();
  clock.tick(15000);
  const second = connect('node-2');
  assert.deepEqual(second.ops('subscribe').map((f) => [f.channel, f.since]), [['news', 'E-4'], ['quiet', 'E-0']]);
  second.receive({ op: 'subscribed', channel: 'news', offset: 'E-4', recovered: true });
  second.receive({ op: 'subscribed', channel: 'quiet', offset: 'F-0', recovered: false });
  assert.deepEqual(recovered, [
    { channel: 'news', recovered: true, offset: 'E-4' },
    { channel: 'quiet', recovered: false, offset: 'F-0' },
  ]);
});

test('drops events already seen at a reconnect seam, accepts a new epoch', (t) => {
  const { sb, clock, connect } = setup(t);
  const seen = [];
  sb.subscribe('news', (data, meta) => seen.push([data, meta.offset, meta.event, meta.channel]));
  const first = connect();
  first.receive({ op: 'subscribed', channel: 'news', offset: 'E-9', recovered: true });
  first.receive({ op: 'event', channel: 'news', event: 'm', data: 'a', offset: 'E-10' });
  first.receive({ op: 'event', channel: 'news', event: 'm', data: 'b', offset: 'E-11' });
  first.drop();
  clock.tick(15000);

  const second = connect('node-2');
  assert.equal(second.ops('subscribe')[0].since, 'E-11');
  // The replay overlaps what the old socket delivered (e.g. a live event raced the resubscribe).
  second.receive({ op: 'event', channel: 'news', event: 'm', data: 'b', offset: 'E-11' });
  second.receive({ op: 'event', channel: 'news', event: 'm', data: 'c', offset: 'E-12' });
  second.receive({ op: 'subscribed', channel: 'news', offset: 'E-12', recovered: true });
  second.receive({ op: 'event', channel: 'news', event: 'm', data: 'c', offset: 'E-12' });
  second.receive({ op: 'event', channel: 'news', event: 'm', data: 'x', offset: 'E-2' });
  // Seq is compared numerically, not as text ("E-100" > "E-13").
  second.receive({ op: 'event', channel: 'news', event: 'm', data: 'd', offset: 'E-100' });
  // History lost on the server: a new epoch restarts the sequence and must not be dropped.
  second.receive({ op: 'event', channel: 'news', event: 'm', data: 'e', offset: 'F-1' });
  assert.deepEqual(seen.map((s) => s[0]), ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(seen[0], ['a', 'E-10', 'm', 'news']);
});

test('orders epochs by time: an older epoch never follows a newer one, a newer one always does', (t) => {
  const older = 'mj0aaaaaaQRST';   // 9 base-36 digits of a time, then 4 capitals
  const newer = 'mj0aaaaabWXYZ';
  assert.equal(Switchboard.isAfter(`${newer}-21`, `${older}-30`), true, 'a newer epoch continues at a lower seq');
  assert.equal(Switchboard.isAfter(`${older}-31`, `${newer}-21`), false, 'an older epoch after a newer one');
  assert.equal(Switchboard.isAfter(`${older}-31`, `${older}-30`), true);
  assert.equal(Switchboard.isAfter(`${older}-30`, `${older}-30`), false);
  assert.equal(Switchboard.isAfter(`${newer}-1`, 'mj0aaaaabNONE-0'), true, 'the first event after a marker of the same ms');
  assert.equal(Switchboard.isAfter(`${older}-1`, 'legacyepoch-500'), true, 'a timed epoch is newer than an untimed one');

  const { sb, connect } = setup(t);
  const seen = [];
  sb.subscribe('news', (data) => seen.push(data));
  const socket = connect();
  socket.receive({ op: 'subscribed', channel: 'news', offset: `${older}-29`, recovered: true });
  socket.receive({ op: 'event', channel: 'news', event: 'm', data: 'a', offset: `${older}-30` });
  socket.receive({ op: 'event', channel: 'news', event: 'm', data: 'b', offset: `${newer}-21` });
  socket.receive({ op: 'event', channel: 'news', event: 'm', data: 'stale', offset: `${older}-31` });
  socket.receive({ op: 'event', channel: 'news', event: 'm', data: 'c', offset: `${newer}-22` });
  assert.deepEqual(seen, ['a', 'b', 'c']);
});

test('an unasked subscribed with recovered false is reported, and what follows it is delivered', (t) => {
  const { sb, clock, connect } = setup(t);
  const older = 'mj0aaaaaaQRST';
  const newer = 'mj0aaaaabWXYZ';
  const recovered = [];
  const seen = [];
  sb.on('recovered', (r) => recovered.push(r));
  sb.subscribe('news', (data) => seen.push(data));
  const first = connect();
  first.receive({ op: 'subscribed', channel: 'news', offset: `${older}-29`, recovered: true, id: first.ops('subscribe')[0].id });
  first.receive({ op: 'event', channel: 'news', event: 'm', data: 'a', offset: `${older}-30` });
  // The server's Redis went back to seq 20: the node says so, then goes on in a new epoch.
  first.receive({ op: 'subscribed', channel: 'news', offset: `${newer}-20`, recovered: false });
  first.receive({ op: 'event', channel: 'news', event: 'm', data: 'b', offset: `${newer}-21` });
  assert.deepEqual(recovered, [{ channel: 'news', recovered: false, offset: `${newer}-20` }]);
  assert.deepEqual(seen, ['a', 'b']);
  first.drop();
  clock.tick(15000);
  const second = connect('node-2');
  assert.equal(second.ops('subscribe')[0].since, `${newer}-21`, 'resumes in the new epoch');
});

test('publish resolves with the offset, rejects with the error code, matched by id', async (t) => {
  const { sb, latest, connect } = setup(t);
  const queued = sb.publish('chat.lobby', 'message', { text: 'early' }); // before the socket is open
  const ws = connect();
  const ok = sb.publish('chat.lobby', 'message', { text: 'hi' });
  const refused = sb.publish('news', 'message', { text: 'no' });
  const sent = ws.ops('publish');
  assert.deepEqual(sent.map((f) => f.data.text), ['early', 'hi', 'no']);
  assert.deepEqual(sent[1], { op: 'publish', id: sent[1].id, channel: 'chat.lobby', event: 'message', data: { text: 'hi' } });
  // Answers may come in any order.
  ws.receive({ op: 'error', code: 'forbidden', message: 'not allowed', id: sent[2].id });
  ws.receive({ op: 'published', channel: 'chat.lobby', offset: 'E-8', id: sent[1].id });
  ws.receive({ op: 'published', channel: 'chat.lobby', offset: 'E-7', id: sent[0].id });
  assert.equal(await queued, 'E-7');
  assert.equal(await ok, 'E-8');
  await assert.rejects(refused, (e) => e instanceof Error && e.code === 'forbidden' && e.message === 'not allowed');

  const inFlight = sb.publish('chat.lobby', 'message', {});
  latest().drop();
  await assert.rejects(inFlight, { code: 'disconnected' });
});

test('an error for a subscribe names the channel', (t) => {
  const { sb, connect } = setup(t);
  const errors = [];
  sb.on('error', (e) => errors.push(e));
  sb.subscribe('private-x', () => {});
  const ws = connect();
  ws.receive({ op: 'error', code: 'forbidden', message: 'no identity', id: ws.ops('subscribe')[0].id });
  assert.equal(errors.length, 1);
  assert.equal(errors[0].code, 'forbidden');
  assert.equal(errors[0].channel, 'private-x');
});

test('a subscribe refused as unavailable is retried after a backoff delay; other refusals are not', (t) => {
  const { sb, clock, connect } = setup(t, 'ws://node-1/switchboard/ws', { minDelay: 100, maxDelay: 1000 });
  const errors = [];
  const seen = [];
  sb.on('error', (e) => errors.push(e.code));
  sb.subscribe('news', (data) => seen.push(data));
  sb.subscribe('private-x', () => {});
  const ws = connect();
  const first = ws.ops('subscribe');
  const idOf = (channel) => first.find((f) => f.channel === channel).id;
  ws.receive({ op: 'error', code: 'unavailable', message: 'bus down', id: idOf('news') });
  ws.receive({ op: 'error', code: 'forbidden', message: 'no identity', id: idOf('private-x') });
  assert.deepEqual(errors, ['unavailable', 'forbidden']);
  assert.equal(ws.ops('subscribe').length, 2, 'not at once');

  clock.tick(1000); // the first retry waits between minDelay and 2 x minDelay... capped by maxDelay
  const retries = ws.ops('subscribe').slice(2);
  assert.deepEqual(retries.map((f) => f.channel), ['news'], 'only the unavailable one, once');

  ws.receive({ op: 'subscribed', channel: 'news', id: retries[0].id, offset: 'e-0' });
  ws.receive({ op: 'event', channel: 'news', event: 'tick', data: 1, offset: 'e-1' });
  assert.deepEqual(seen, [1]);
  clock.tick(5000);
  assert.equal(ws.ops('subscribe').length, 3, 'no retry after it was subscribed');
});

test('a pending subscribe retry is dropped when the channel is unsubscribed', (t) => {
  const { sb, clock, connect } = setup(t, 'ws://node-1/switchboard/ws', { minDelay: 100, maxDelay: 1000 });
  sb.on('error', () => {});
  const off = sb.subscribe('news', () => {});
  const ws = connect();
  ws.receive({ op: 'error', code: 'unavailable', message: 'bus down', id: ws.ops('subscribe')[0].id });
  off();
  clock.tick(5000);
  assert.equal(ws.ops('subscribe').length, 1);
});

test('answers server pings, pings every heartbeat, reconnects after two silent heartbeats', (t) => {
  const { sb, clock, WS, connect } = setup(t);
  const closes = [];
  sb.on('close', (c) => closes.push(c));
  const ws = connect('node-1', 1000);

  ws.receive({ op: 'ping', id: 7 });
  ws.receive({ op: 'ping' });
  assert.deepEqual(ws.ops('pong'), [{ op: 'pong', id: 7 }, { op: 'pong' }]);

  clock.tick(1000);
  assert.equal(ws.ops('ping').length, 1, 'own ping after one heartbeat');
  ws.receive({ op: 'pong' }); // last frame at t=1000
  clock.tick(1000);
  assert.equal(ws.closedWith, null, 'still alive: a frame arrived within two heartbeats');
  assert.equal(ws.ops('ping').length, 2);
  clock.tick(1000); // t=3000: nothing received for 2 heartbeats
  assert.deepEqual(ws.closedWith, { code: 4000, reason: 'heartbeat timeout' });
  assert.equal(sb.connected, false);
  assert.deepEqual(closes, [{ code: 4000, reason: 'heartbeat timeout' }]);
  clock.tick(15000);
  assert.equal(WS.sockets.length, 2, 'reconnected');
  ws.drop(1006); // the abandoned socket's late close event changes nothing
  assert.equal(closes.length, 1);
});

test('backoff delays stay within [minDelay, maxDelay], grow, and reset after a stable connection', (t) => {
  for (let attempt = 0; attempt < 30; attempt++) {
    const low = Switchboard.backoffDelay(attempt, 500, 15000, () => 0);
    const high = Switchboard.backoffDelay(attempt, 500, 15000, () => 0.999999);
    assert.equal(low, 500);
    assert.ok(high <= 15000 && high <= 500 * 2 ** (attempt + 1), `attempt ${attempt}: ${high}`);
  }
  assert.equal(Switchboard.backoffDelay(0, 500, 15000, () => 1), 1000);
  assert.equal(Switchboard.backoffDelay(3, 500, 15000, () => 1), 8000);
  assert.equal(Switchboard.backoffDelay(10, 500, 15000, () => 1), 15000);

  const { clock, latest, connect } = setup(t, 'ws://h/ws', { minDelay: 100, maxDelay: 2000 });
  for (let i = 0; i < 12; i++) {
    latest().drop();
    clock.tick(2000);
  }
  const delays = clock.delays;
  assert.ok(delays.every((d) => d >= 100 && d <= 2000), String(delays));
  assert.ok(delays.slice(0, 2).every((d) => d <= 400), 'the first attempts are quick');

  connect();
  clock.tick(10000); // stable for a while
  const before = clock.delays.length;
  latest().drop(1001);
  assert.ok(clock.delays[before] <= 200, 'backoff restarted from the bottom: ' + clock.delays[before]);
});

test('user events go to "user" listeners; welcome is exposed', (t) => {
  const { sb, connect } = setup(t);
  const users = [];
  const welcomes = [];
  sb.on('user', (data, meta) => users.push([data, meta]));
  sb.on('welcome', (w) => welcomes.push(w.node));
  const ws = connect('node-3');
  ws.receive({ op: 'event', channel: '@user', event: 'notice', data: { n: 1 }, offset: 'U-1' });
  ws.receive({ op: 'event', channel: '@user', event: 'notice', data: { n: 1 }, offset: 'U-1' });
  assert.deepEqual(users, [[{ n: 1 }, { event: 'notice', channel: '@user', offset: 'U-1' }]]);
  assert.deepEqual(welcomes, ['node-3']);
  assert.equal(sb.welcome.node, 'node-3');
});

test('unsubscribing the last handler unsubscribes the channel; a handler error does not stop others', (t) => {
  const { sb, connect } = setup(t);
  const got = [];
  const offA = sb.subscribe('news', () => { throw new Error('app bug'); });
  const offB = sb.subscribe('news', (d) => got.push(d));
  const ws = connect();
  const errors = [];
  const saved = globalThis.setTimeout; // the client rethrows handler errors asynchronously
  globalThis.setTimeout = (fn) => { try { fn(); } catch (e) { errors.push(e.message); } };
  try {
    ws.receive({ op: 'event', channel: 'news', event: 'm', data: 1, offset: 'E-1' });
  } finally {
    globalThis.setTimeout = saved;
  }
  assert.deepEqual(got, [1]);
  assert.deepEqual(errors, ['app bug']);
  offA();
  assert.equal(ws.ops('unsubscribe').length, 0);
  offB();
  offB(); // idempotent
  assert.deepEqual(ws.ops('unsubscribe').map((f) => [f.op, f.channel, typeof f.id]), [['unsubscribe', 'news', 'number']]);
  ws.receive({ op: 'event', channel: 'news', event: 'm', data: 2, offset: 'E-2' });
  assert.deepEqual(got, [1]);
});

test('close() stops for good and rejects pending publishes', async (t) => {
  const { sb, clock, WS } = setup(t);
  const pending = sb.publish('chat.lobby', 'message', {});
  sb.close();
  await assert.rejects(pending, { code: 'closed' });
  await assert.rejects(sb.publish('chat.lobby', 'message', {}), { code: 'closed' });
  clock.tick(60000);
  assert.equal(WS.sockets.length, 1, 'no reconnect after close()');
  assert.deepEqual(WS.sockets[0].closedWith, { code: 1000, reason: 'client closed' });
});

// ---- client tokens: fetched before every connect, refreshed before they expire ----------------

/** Lets promise callbacks run (the fake clock does not replace setImmediate). */
const flush = () => new Promise((resolve) => setImmediate(resolve));

/** A token in the server's format, expiring at `expirySeconds`; the signature is not checked here. */
const tokenFor = (user, expirySeconds) => Buffer.from(user).toString('base64url') + '.' + expirySeconds + '.sig';

/** Advances the fake clock in heartbeat-sized steps, the server answering each ping, so the socket stays up. */
function advance(clock, ws, ms) {
  for (let left = ms; left > 0; left -= 20000) {
    clock.tick(Math.min(20000, left));
    ws.receive({ op: 'pong' });
  }
}

test('reads the expiry of tokens in the server format and plans the refresh ahead of it', () => {
  assert.equal(Switchboard.tokenExpiry(tokenFor('alice', 1700000000)), 1700000000 * 1000);
  assert.equal(Switchboard.tokenExpiry('opaque'), null);
  assert.equal(Switchboard.tokenExpiry('a.b.c'), null);
  assert.equal(Switchboard.refreshDelay(600000, 0), 540000, 'a minute ahead of a long-lived token');
  assert.equal(Switchboard.refreshDelay(100000, 0), 80000, 'a fifth of a short-lived one');
  assert.equal(Switchboard.refreshDelay(0, 5000), 1000, 'never sooner than a second, even when late');
});

test('a token function is asked before every connect, and again after a 4401 close', async (t) => {
  const issued = [];
  const token = () => {
    const next = tokenFor('alice', 1000 + 3600 + issued.length);
    issued.push(next);
    return Promise.resolve(next);
  };
  const { clock, WS, latest } = setup(t, 'ws://h/switchboard/ws', { token });
  assert.equal(WS.sockets.length, 0, 'no socket before the token arrives');
  await flush();
  assert.equal(latest().url, 'ws://h/switchboard/ws?token=' + encodeURIComponent(issued[0]) + '&batch=1&binary=1');
  latest().open();
  latest().receive({ op: 'welcome', session: 's', node: 'node-1', heartbeat: 25000, user: 'alice' });

  latest().drop(4401); // the identity ran out
  clock.tick(15000);
  await flush();
  assert.equal(issued.length, 2);
  assert.equal(WS.sockets.length, 2);
  assert.equal(latest().url, 'ws://h/switchboard/ws?token=' + encodeURIComponent(issued[1]) + '&batch=1&binary=1');
});

test('sends refresh with a fresh token on the open socket before the current one expires', async (t) => {
  // The fake clock starts at 1,000,000 ms = 1,000 s; the first token lives 300 s.
  let expiry = 1000 + 300;
  const token = () => Promise.resolve(tokenFor('alice', expiry));
  const { clock, latest } = setup(t, 'ws://h/switchboard/ws', { token });
  await flush();
  const ws = latest();
  ws.open();
  ws.receive({ op: 'welcome', session: 's', node: 'node-1', heartbeat: 25000, user: 'alice' });

  expiry += 600; // what the application's token endpoint hands out from now on
  advance(clock, ws, 239000);
  await flush();
  assert.deepEqual(ws.ops('refresh'), [], 'not yet: a minute before expiry');
  advance(clock, ws, 1000);
  await flush();
  assert.deepEqual(ws.ops('refresh').map((f) => f.token), [tokenFor('alice', 1900)]);
  assert.equal(ws.closedWith, null, 'the same socket, kept open');

  // The next refresh is planned from the new token's expiry (1,900 s), not the old one's.
  advance(clock, ws, 60000);
  await flush();
  assert.equal(ws.ops('refresh').length, 1);
});

test('tokens whose expiry cannot be read are refreshed every refreshInterval', async (t) => {
  let n = 0;
  const token = () => 'opaque-' + (++n); // a plain function answering at once works as well
  const { clock, latest } = setup(t, 'ws://h/switchboard/ws', { token, refreshInterval: 30000 });
  await flush();
  const ws = latest();
  ws.open();
  ws.receive({ op: 'welcome', session: 's', node: 'node-1', heartbeat: 25000, user: 'alice' });
  advance(clock, ws, 30000);
  await flush();
  advance(clock, ws, 30000);
  await flush();
  assert.deepEqual(ws.ops('refresh').map((f) => f.token), ['opaque-2', 'opaque-3']);
});

test('a fixed token is never refreshed: only a token function can give a fresh one', async (t) => {
  const { clock, latest } = setup(t, 'ws://h/switchboard/ws', { token: tokenFor('alice', 1000 + 120) });
  const ws = latest();
  ws.open();
  ws.receive({ op: 'welcome', session: 's', node: 'node-1', heartbeat: 25000, user: 'alice' });
  advance(clock, ws, 110000);
  await flush();
  assert.deepEqual(ws.ops('refresh'), []);
});

test('a failing token function is reported and the connect is retried with backoff', async (t) => {
  let calls = 0;
  const token = () => (++calls === 1 ? Promise.reject(new Error('login expired')) : Promise.resolve('opaque'));
  const { sb, clock, WS, latest } = setup(t, 'ws://h/switchboard/ws', { token });
  const errors = [];
  sb.on('error', (e) => errors.push(e.code));
  await flush();
  assert.equal(WS.sockets.length, 0);
  assert.deepEqual(errors, ['token']);
  clock.tick(15000);
  await flush();
  assert.equal(calls, 2);
  assert.equal(latest().url, 'ws://h/switchboard/ws?token=opaque&batch=1&binary=1');
});

test('close() while a token is being fetched opens no socket', async (t) => {
  let resolve;
  const { sb, WS } = setup(t, 'ws://h/switchboard/ws', { token: () => new Promise((r) => { resolve = r; }) });
  sb.close();
  resolve('late');
  await flush();
  assert.equal(WS.sockets.length, 0);
});

// ---- server-side control: channels the server subscribes, @session events, 4403 ----------------

test('a channel the server subscribed this session to delivers to "event" listeners until the server unsubscribes it', (t) => {
  const { sb, connect } = setup(t);
  const events = [];
  const left = [];
  sb.on('event', (data, meta) => events.push([data, meta.channel, meta.offset]));
  sb.on('unsubscribed', (u) => left.push(u.channel));
  const ws = connect();
  ws.receive({ op: 'subscribed', channel: 'room.1', offset: 'E-4', recovered: true });
  ws.receive({ op: 'event', channel: 'room.1', event: 'm', data: 'old', offset: 'E-4' }); // not after the offset
  ws.receive({ op: 'event', channel: 'room.1', event: 'm', data: 'new', offset: 'E-5' });
  ws.receive({ op: 'unsubscribed', channel: 'room.1' });
  ws.receive({ op: 'event', channel: 'room.1', event: 'm', data: 'late', offset: 'E-6' });
  assert.deepEqual(events, [['new', 'room.1', 'E-5']]);
  assert.deepEqual(left, ['room.1']);
  assert.equal(ws.ops('subscribe').length, 0, 'the client asks for nothing itself');
});

test('the server unsubscribing a channel the page subscribed stops its handlers and it is not resubscribed', (t) => {
  const { sb, clock, connect } = setup(t);
  const got = [];
  const left = [];
  sb.subscribe('news', (d) => got.push(d));
  sb.on('unsubscribed', (u) => left.push(u.channel));
  const ws = connect();
  const id = ws.ops('subscribe')[0].id;
  ws.receive({ op: 'subscribed', id, channel: 'news', offset: 'E-1', recovered: true });
  ws.receive({ op: 'unsubscribed', channel: 'news' });
  ws.receive({ op: 'event', channel: 'news', event: 'm', data: 1, offset: 'E-2' });
  assert.deepEqual(got, []);
  assert.deepEqual(left, ['news']);

  ws.drop(1006);
  clock.tick(15000);
  const next = connect();
  assert.equal(next.ops('subscribe').length, 0);
});

test('the answer to the page\'s own unsubscribe is not taken for the server\'s, even after a quick resubscribe', (t) => {
  const { sb, connect } = setup(t);
  const got = [];
  const left = [];
  sb.on('unsubscribed', (u) => left.push(u.channel));
  const off = sb.subscribe('news', () => {});
  const ws = connect();
  off();
  sb.subscribe('news', (d) => got.push(d));
  const unsubscribe = ws.ops('unsubscribe')[0];
  ws.receive({ op: 'unsubscribed', id: unsubscribe.id, channel: 'news' });
  const again = ws.ops('subscribe')[1];
  ws.receive({ op: 'subscribed', id: again.id, channel: 'news', offset: 'E-1', recovered: true });
  ws.receive({ op: 'event', channel: 'news', event: 'm', data: 1, offset: 'E-2' });
  assert.deepEqual(got, [1]);
  assert.deepEqual(left, []);
});

test('what the server subscribed is forgotten at a reconnect: a new session starts without it', (t) => {
  const { sb, clock, connect } = setup(t);
  const events = [];
  sb.on('event', (data) => events.push(data));
  const ws = connect();
  ws.receive({ op: 'subscribed', channel: 'room.1', offset: 'E-1', recovered: true });
  ws.drop(1006);
  clock.tick(15000);
  const next = connect();
  next.receive({ op: 'event', channel: 'room.1', event: 'm', data: 'stray', offset: 'E-2' });
  assert.deepEqual(events, []);
  assert.equal(next.ops('subscribe').length, 0);
});

test('@session events go to "session" listeners, every one of them, with no offset bookkeeping', (t) => {
  const { sb, connect } = setup(t);
  const got = [];
  sb.on('session', (data, meta) => got.push([data, meta]));
  const ws = connect();
  ws.receive({ op: 'event', channel: '@session', event: 'nudge', data: { n: 1 } });
  ws.receive({ op: 'event', channel: '@session', event: 'nudge', data: { n: 1 } });
  assert.deepEqual(got, [
    [{ n: 1 }, { event: 'nudge', channel: '@session' }],
    [{ n: 1 }, { event: 'nudge', channel: '@session' }],
  ]);
});

test('a close with 4403 is not retried: the client stays disconnected and reports why', async (t) => {
  const { sb, clock, WS, connect } = setup(t);
  const reports = [];
  const closes = [];
  sb.on('disconnected', (d) => reports.push(d));
  sb.on('close', (c) => closes.push(c.code));
  sb.subscribe('news', () => {});
  const ws = connect();
  const pending = sb.publish('chat.lobby', 'm', {});
  ws.onclose({ code: 4403, reason: 'kicked by admin', wasClean: true });
  await assert.rejects(pending, { code: 'disconnected' });
  clock.tick(120000);
  assert.equal(WS.sockets.length, 1, 'no reconnect after 4403');
  assert.deepEqual(closes, [4403]);
  assert.deepEqual(reports, [{ code: 4403, reason: 'kicked by admin' }]);
  assert.deepEqual(sb.disconnected, { code: 4403, reason: 'kicked by admin' });
  assert.equal(sb.connected, false);
  await assert.rejects(sb.publish('chat.lobby', 'm', {}), { code: 'closed' });
});

test('other close codes are still retried and report no disconnect', (t) => {
  const { sb, clock, WS, connect } = setup(t);
  const reports = [];
  sb.on('disconnected', (d) => reports.push(d));
  connect().drop(4401);
  clock.tick(15000);
  assert.equal(WS.sockets.length, 2);
  assert.deepEqual(reports, []);
  assert.equal(sb.disconnected, null);
});

// ---- send: messages to the server's handlers, answered by reply or error ----------------------

test('send resolves with the reply data and rejects with the error code, matched by id', async (t) => {
  const { sb, connect } = setup(t);
  const queued = sb.send('echo', { n: 0 }); // before the socket is open: written once it is
  const ws = connect();
  const echo = sb.send('echo', { n: 1 });
  const unknown = sb.send('nobody');
  const failing = sb.send('fail', 'x');
  const sent = ws.ops('send');
  assert.deepEqual(sent.map((f) => f.event), ['echo', 'echo', 'nobody', 'fail']);
  assert.deepEqual(sent[1], { op: 'send', id: sent[1].id, event: 'echo', data: { n: 1 } });
  assert.equal(sent[2].data, null, 'no data is sent as null');
  assert.equal(new Set(sent.map((f) => f.id)).size, 4, 'each send has its own id');
  // Answers may come in any order.
  ws.receive({ op: 'error', code: 'internal', message: 'the handler failed', id: sent[3].id });
  ws.receive({ op: 'reply', id: sent[1].id, data: { n: 1 } });
  ws.receive({ op: 'error', code: 'not_found', message: "no handler for event 'nobody'", id: sent[2].id });
  ws.receive({ op: 'reply', id: sent[0].id, data: { n: 0 } });
  assert.deepEqual(await queued, { n: 0 });
  assert.deepEqual(await echo, { n: 1 });
  await assert.rejects(unknown, (e) => e instanceof Error && e.code === 'not_found' && e.message.includes('nobody'));
  await assert.rejects(failing, { code: 'internal', message: 'the handler failed' });
});

test('a send without an answer within its timeout rejects with timeout, and a late reply is ignored', async (t) => {
  const { sb, clock, connect } = setup(t);
  const errors = [];
  sb.on('error', (e) => errors.push(e));
  const ws = connect();
  const quick = sb.send('slow', null, { timeout: 500 });
  const standard = sb.send('slow');
  const [first, second] = ws.ops('send');

  clock.tick(499);
  ws.receive({ op: 'pong' }); // keeps the socket alive; nothing settled yet
  clock.tick(1);
  await assert.rejects(quick, (e) => e.code === 'timeout' && e.message.includes('500 ms'));
  // The server answers every send once; here after the client gave up: ignored, and no error event.
  ws.receive({ op: 'error', code: 'unavailable', message: 'no reply within 10000 ms', id: first.id });
  assert.deepEqual(errors, []);

  clock.tick(9499);
  ws.receive({ op: 'reply', id: second.id, data: 'in time' });
  assert.equal(await standard, 'in time', 'the default timeout is 10 s');
});

test('a send written to a socket that drops rejects with disconnected; an unsent one waits for the next socket', async (t) => {
  const { sb, clock, latest, connect } = setup(t);
  const first = connect();
  const inFlight = sb.send('echo', 1);
  first.drop(1006);
  await assert.rejects(inFlight, { code: 'disconnected' });

  const waiting = sb.send('echo', 2); // while disconnected
  clock.tick(1000); // the first reconnect comes within 1 s, well within the send's 10 s
  const second = latest() === first ? null : latest();
  assert.ok(second, 'reconnected');
  second.open();
  const resent = second.ops('send');
  assert.equal(resent.length, 1);
  assert.equal(resent[0].data, 2);
  second.receive({ op: 'reply', id: resent[0].id, data: 2 });
  assert.equal(await waiting, 2);
});

test('close() rejects pending sends with closed, and later sends at once', async (t) => {
  const { sb, clock, connect } = setup(t);
  connect();
  const pending = sb.send('echo', 1);
  sb.close();
  await assert.rejects(pending, { code: 'closed' });
  await assert.rejects(sb.send('echo', 2), { code: 'closed' });
  clock.tick(60000); // its timeout timer was cleared: nothing fires
});

// ---- presence (protocol v1.1) -----------------------------------------------------------------

/** Records a presence view's callbacks as strings: 'change a,b', 'join c', 'leave a'. */
function recorder() {
  const seen = [];
  return {
    seen,
    callbacks: {
      onChange: (members) => seen.push('change ' + members.join(',')),
      onJoin: (user) => seen.push('join ' + user),
      onLeave: (user) => seen.push('leave ' + user),
    },
  };
}

test('presence subscribes to the channel and keeps its members from the list and each join and leave', (t) => {
  const { sb, connect } = setup(t);
  const ws = connect();
  const { seen, callbacks } = recorder();
  const room = sb.presence('presence-room', callbacks);

  const subscribe = ws.ops('subscribe');
  assert.deepEqual(subscribe.map((f) => f.channel), ['presence-room']);
  assert.equal(room.synced, false);
  ws.receive({ op: 'subscribed', id: subscribe[0].id, channel: 'presence-room', offset: 'e-0', recovered: true });
  ws.receive({ op: 'presence', channel: 'presence-room', members: ['bob', 'alice'] });
  ws.receive({ op: 'join', channel: 'presence-room', user: 'carol' });
  ws.receive({ op: 'leave', channel: 'presence-room', user: 'alice' });
  ws.receive({ op: 'join', channel: 'presence-other', user: 'mallory' }); // another channel's

  assert.equal(room.synced, true);
  assert.deepEqual(room.members, ['bob', 'carol']);
  assert.deepEqual(seen, ['change alice,bob', 'join carol', 'change alice,bob,carol', 'leave alice', 'change bob,carol']);
});

test('a member list received after a reconnect reports who came and went meanwhile', (t) => {
  const { sb, clock, connect, latest } = setup(t);
  let ws = connect();
  const { seen, callbacks } = recorder();
  const room = sb.presence('presence-room', callbacks);
  ws.receive({ op: 'presence', channel: 'presence-room', members: ['alice', 'bob'] });
  ws.drop(1006);
  clock.tick(15000);
  ws = connect('node-2');
  assert.equal(ws.ops('subscribe')[0].channel, 'presence-room', 'subscribed again on the new socket');

  ws.receive({ op: 'presence', channel: 'presence-room', members: ['bob', 'carol'] });

  assert.deepEqual(room.members, ['bob', 'carol']);
  assert.deepEqual(seen, ['change alice,bob', 'join carol', 'leave alice', 'change bob,carol']);
});

test('changes before the first list, and joins of members or leaves of strangers, change nothing', (t) => {
  const { sb, connect } = setup(t);
  const ws = connect();
  const { seen, callbacks } = recorder();
  const room = sb.presence('presence-room', callbacks);

  ws.receive({ op: 'join', channel: 'presence-room', user: 'early' });
  ws.receive({ op: 'presence', channel: 'presence-room', members: ['alice'] });
  ws.receive({ op: 'join', channel: 'presence-room', user: 'alice' });
  ws.receive({ op: 'leave', channel: 'presence-room', user: 'nobody' });

  assert.deepEqual(room.members, ['alice']);
  assert.deepEqual(seen, ['change alice']);
});

test('a second view of a channel gets the current members at once; the last one closed lets go of the channel', (t) => {
  const { sb, connect } = setup(t);
  const ws = connect();
  const first = sb.presence('presence-room', recorder().callbacks);
  ws.receive({ op: 'presence', channel: 'presence-room', members: ['alice'] });
  const { seen, callbacks } = recorder();
  const second = sb.presence('presence-room', callbacks);
  assert.deepEqual(seen, ['change alice']);
  assert.equal(ws.ops('subscribe').length, 1, 'one subscription for both views');

  first.close();
  assert.deepEqual(ws.ops('unsubscribe'), []);
  ws.receive({ op: 'join', channel: 'presence-room', user: 'bob' });
  assert.deepEqual(seen, ['change alice', 'join bob', 'change alice,bob']);
  second.close();
  second.close(); // twice: harmless
  assert.deepEqual(ws.ops('unsubscribe').map((f) => f.channel), ['presence-room']);
});

test('a page that subscribes to a presence channel itself keeps it when its presence view closes', (t) => {
  const { sb, connect } = setup(t);
  const ws = connect();
  const events = [];
  sb.subscribe('presence-room', (data) => events.push(data));
  const room = sb.presence('presence-room', {});

  room.close();
  ws.receive({ op: 'event', channel: 'presence-room', event: 'e', data: 1, offset: 'e-1' });

  assert.deepEqual(ws.ops('unsubscribe'), []);
  assert.deepEqual(events, [1]);
});

// ---- the SSE fallback and the way back to the WebSocket ----------------------------------------

/** An EventSource stand-in: the test feeds it frames and failures; records whether the client closed it. */
function fakeEventSourceClass() {
  const streams = [];
  class FakeEventSource {
    constructor(url) {
      this.url = url;
      this.closed = false;
      streams.push(this);
    }
    close() { this.closed = true; }
    // driven by the test
    receive(frame) { this.onmessage({ data: JSON.stringify(frame) }); }
    fail() { this.onerror({}); }
  }
  FakeEventSource.streams = streams;
  return FakeEventSource;
}

/** A fetch stand-in: records each request; the test answers it with a status. */
function fakeFetch() {
  const requests = [];
  const fetch = (url, options) => new Promise((resolve, reject) => {
    requests.push({
      url, options, frame: JSON.parse(options.body),
      respond: (status) => resolve({ status }),
      fail: () => reject(new TypeError('network error')),
    });
  });
  fetch.requests = requests;
  return fetch;
}

/** A client that can fall back to SSE, on a fake clock, fake sockets, streams and fetch. */
function setupFallback(t, options = {}) {
  const ES = fakeEventSourceClass();
  const fetch = fakeFetch();
  // Reconnects after exactly 100 ms: a test steps from one connect to the next without other timers firing.
  const env = setup(t, 'ws://node-1/switchboard/ws',
    { EventSource: ES, fetch, webSocketRetry: 60000, minDelay: 100, maxDelay: 100, ...options });
  const transports = [];
  env.sb.on('transport', (transport) => transports.push(transport));
  /** The latest stream says welcome, as a node would (with a heartbeat longer than any test). */
  const welcomeStream = (node = 'node-1') => {
    const stream = ES.streams[ES.streams.length - 1];
    stream.receive({ op: 'welcome', session: node + '.S', secret: 'k3y', node, heartbeat: 1000000, user: null });
    return stream;
  };
  /** Fails two WebSocket connects in a row (handshakes refused) and lets the client reconnect. */
  const blockWebSockets = () => {
    for (let i = 0; i < 2; i++) {
      env.latest().drop(1006);
      env.clock.tick(100);
    }
  };
  return { ...env, ES, fetch, transports, welcomeStream, blockWebSockets };
}

test('derives the SSE URL from the WebSocket URL', () => {
  assert.equal(Switchboard.toSseUrl('ws://h:8080/app/switchboard/ws'), 'http://h:8080/app/switchboard/sse');
  assert.equal(Switchboard.toSseUrl('wss://h/switchboard/ws'), 'https://h/switchboard/sse');
  assert.equal(Switchboard.toSseUrl('ws://h/somewhere/else'), null);
});

test('falls back to SSE after two refused WebSocket handshakes, and resubscribes with since over it', async (t) => {
  const { sb, clock, WS, ES, fetch, transports, connect, blockWebSockets, welcomeStream } = setupFallback(t);
  const seen = [];
  sb.subscribe('news', (data) => seen.push(data));
  const ws = connect();
  ws.receive({ op: 'subscribed', channel: 'news', offset: 'E-3', recovered: true });
  ws.receive({ op: 'event', channel: 'news', event: 'm', data: 'a', offset: 'E-4' });
  assert.equal(sb.transport, 'websocket');

  ws.drop(1006); // the network changed: from now on WebSockets are blocked
  clock.tick(100);
  assert.equal(ES.streams.length, 0, 'one refused handshake is not enough');
  blockWebSockets();

  assert.equal(sb.transport, 'sse');
  assert.deepEqual(transports, ['sse']);
  assert.equal(WS.sockets.length, 3);
  assert.equal(ES.streams.length, 1);
  assert.equal(ES.streams[0].url, 'http://node-1/switchboard/sse');
  welcomeStream();
  assert.equal(sb.connected, true);
  assert.equal(fetch.requests.length, 1);
  const subscribe = fetch.requests[0];
  assert.equal(subscribe.url, 'http://node-1/switchboard/sse/node-1.S');
  assert.equal(subscribe.options.method, 'POST');
  assert.equal(subscribe.options.headers['X-Switchboard-Secret'], 'k3y');
  assert.deepEqual([subscribe.frame.op, subscribe.frame.channel, subscribe.frame.since], ['subscribe', 'news', 'E-4']);
  subscribe.respond(202);
  await flush();
  ES.streams[0].receive({ op: 'event', channel: 'news', event: 'm', data: 'a', offset: 'E-4' });
  ES.streams[0].receive({ op: 'event', channel: 'news', event: 'm', data: 'b', offset: 'E-5' });
  ES.streams[0].receive({ op: 'subscribed', channel: 'news', offset: 'E-5', recovered: true, id: subscribe.frame.id });
  assert.deepEqual(seen, ['a', 'b']);
});

test('a WebSocket that opens but says no welcome in time counts as refused: twice, and the client uses SSE', (t) => {
  const { sb, clock, WS, ES, latest } = setupFallback(t, { welcomeTimeout: 3000 });
  latest().open(); // a proxy that accepts the upgrade and then passes nothing on
  clock.tick(3000);
  assert.deepEqual(latest().closedWith, { code: 4000, reason: 'no welcome within 3000 ms' });
  clock.tick(100);
  assert.equal(WS.sockets.length, 2);
  latest().open();
  clock.tick(3000);
  clock.tick(100);
  assert.equal(sb.transport, 'sse');
  assert.equal(ES.streams.length, 1);
});

test('one refused WebSocket connect followed by a working one stays on the WebSocket', (t) => {
  const { sb, clock, ES, latest, connect } = setupFallback(t);
  latest().drop(1006); // e.g. the node behind this URL was restarting
  clock.tick(100);
  connect();
  latest().drop(1001);
  clock.tick(100);
  latest().drop(1006);
  clock.tick(100);
  assert.equal(sb.transport, 'websocket', 'failures count only in a row, without a welcome between them');
  assert.equal(ES.streams.length, 0);
});

test('over SSE, requests are POSTed one at a time, in order, each after the previous was answered', async (t) => {
  const { sb, fetch, blockWebSockets, welcomeStream } = setupFallback(t);
  blockWebSockets();
  welcomeStream();
  sb.subscribe('a', () => {});
  sb.subscribe('b', () => {});
  const published = sb.publish('chat.x', 'say', { text: 'hi' });

  assert.equal(fetch.requests.length, 1, 'the second waits for the answer to the first');
  fetch.requests[0].respond(202);
  await flush();
  assert.equal(fetch.requests.length, 2);
  fetch.requests[1].respond(202);
  await flush();
  assert.deepEqual(fetch.requests.map((r) => [r.frame.op, r.frame.channel]),
    [['subscribe', 'a'], ['subscribe', 'b'], ['publish', 'chat.x']]);
  // A frame the node refuses alone (too large) becomes the error of its request.
  fetch.requests[2].respond(413);
  await assert.rejects(published, (error) => error.code === 'too_large');
});

test('over SSE, a request for a session that is gone ends the connection and the client reconnects over SSE', async (t) => {
  const { sb, clock, ES, fetch, blockWebSockets, welcomeStream } = setupFallback(t);
  blockWebSockets();
  const closes = [];
  sb.on('close', (c) => closes.push(c.code));
  welcomeStream();
  sb.subscribe('news', () => {});
  fetch.requests[0].respond(404); // its node was killed: the session went with it

  await flush();
  assert.equal(ES.streams[0].closed, true);
  assert.deepEqual(closes, [1006]);
  clock.tick(100);
  assert.equal(ES.streams.length, 2, 'a working transport is kept across reconnects');
  assert.equal(sb.transport, 'sse');
});

test('over SSE, a lost stream reconnects, and the server close frame closes with its code', (t) => {
  const { sb, clock, ES, blockWebSockets, welcomeStream } = setupFallback(t);
  blockWebSockets();
  const closes = [];
  sb.on('close', (c) => closes.push([c.code, c.reason]));
  welcomeStream().fail();
  clock.tick(100);
  welcomeStream('node-2').receive({ op: 'close', code: 1001, reason: 'server shutting down' });

  assert.deepEqual(closes, [[1006, 'the event stream failed'], [1001, 'server shutting down']]);
  assert.equal(ES.streams[1].closed, true);
  assert.equal(sb.connected, false);
});

test('over SSE the client tries the WebSocket every webSocketRetry, and moves back when it says welcome', async (t) => {
  const { sb, clock, WS, ES, fetch, transports, blockWebSockets, welcomeStream } = setupFallback(t);
  const seen = [];
  sb.subscribe('news', (data) => seen.push(data));
  blockWebSockets();
  const stream = welcomeStream();
  fetch.requests[0].respond(202);
  stream.receive({ op: 'subscribed', channel: 'news', offset: 'E-7', recovered: true, id: fetch.requests[0].frame.id });
  stream.receive({ op: 'event', channel: 'news', event: 'm', data: 'a', offset: 'E-8' });
  await flush();

  clock.tick(60000);
  const probe = WS.sockets[WS.sockets.length - 1];
  assert.equal(WS.sockets.length, 3, 'a WebSocket is tried beside the stream');
  probe.open();
  probe.receive({ op: 'welcome', session: 'node-1.W', node: 'node-1', heartbeat: 25000, user: null });

  assert.equal(sb.transport, 'websocket');
  assert.deepEqual(transports, ['sse', 'websocket']);
  assert.equal(stream.closed, true);
  assert.equal(sb.connected, true);
  assert.equal(sb.welcome.session, 'node-1.W');
  assert.deepEqual(probe.ops('subscribe').map((f) => [f.channel, f.since]), [['news', 'E-8']]);
  stream.receive({ op: 'event', channel: 'news', event: 'm', data: 'late', offset: 'E-9' }); // the old stream: ignored
  probe.receive({ op: 'event', channel: 'news', event: 'm', data: 'b', offset: 'E-9' });
  assert.deepEqual(seen, ['a', 'b']);
});

test('a WebSocket try that fails leaves the client on SSE, and it tries again later', (t) => {
  const { sb, clock, WS, ES, blockWebSockets, welcomeStream } = setupFallback(t);
  blockWebSockets();
  welcomeStream();
  clock.tick(60000);
  WS.sockets[WS.sockets.length - 1].drop(1006); // still blocked

  assert.equal(sb.transport, 'sse');
  assert.equal(ES.streams[0].closed, false);
  assert.equal(sb.connected, true);
  clock.tick(60000);
  assert.equal(WS.sockets.length, 4, 'tried again after another webSocketRetry');
});

test('sse: false keeps the client on the WebSocket however often it is refused', (t) => {
  const { sb, clock, ES, latest } = setupFallback(t, { sse: false });
  for (let i = 0; i < 4; i++) {
    latest().drop(1006);
    clock.tick(100);
  }
  assert.equal(sb.transport, 'websocket');
  assert.equal(ES.streams.length, 0);
});

