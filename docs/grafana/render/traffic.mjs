// Traffic for the dashboard picture: subscribers on every node, publishes through the HTTP API at a rate that
// rises and falls, chat sends answered by the sample's handler, browser publishes, clients that leave and come
// back with `since` (replays), a user disconnected by the application (4403) and, twice, a client that stops
// reading (closed with 1013). Bounded: it stops by itself after the given seconds.
//
//   node --experimental-websocket traffic.mjs <seconds> <api-token> <token-secret> http://127.0.0.1:P ...
import crypto from 'node:crypto';
import net from 'node:net';

const [seconds, apiToken, tokenSecret, ...bases] = process.argv.slice(2);
const end = Date.now() + Number(seconds) * 1000;
const sockets = [];
const pick = (list) => list[Math.floor(Math.random() * list.length)];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function wsUrl(base, query = '') {
  return base.replace('http://', 'ws://') + '/switchboard/ws' + query;
}

function mint(user) {
  const b64 = (b) => Buffer.from(b).toString('base64url');
  const expiry = Math.floor(Date.now() / 1000) + 3600;
  const mac = crypto.createHmac('sha256', tokenSecret).update(user + '.' + expiry).digest();
  return b64(user) + '.' + expiry + '.' + b64(mac);
}

/** A client subscribed to `channels`; with `last` (offsets by channel) it resubscribes with `since`. */
function connect(base, channels, query = '', last = new Map()) {
  const ws = new WebSocket(wsUrl(base, query));
  ws.last = last;
  ws.addEventListener('open', () => channels.forEach((channel) =>
    ws.send(JSON.stringify({ op: 'subscribe', channel, since: last.get(channel), id: channel }))));
  ws.addEventListener('message', (message) => {
    const frame = JSON.parse(message.data);
    if (frame.op === 'event' && frame.offset) last.set(frame.channel, frame.offset);
    if (frame.op === 'ping') ws.send(JSON.stringify({ op: 'pong' }));
  });
  ws.addEventListener('error', () => {});
  sockets.push(ws);
  return ws;
}

async function publish(base, channel, event, data) {
  try {
    await fetch(base + '/switchboard/api/channels/' + channel + '/events', {
      method: 'POST', headers: { Authorization: 'Bearer ' + apiToken, 'Content-Type': 'application/json' },
      body: JSON.stringify({ event, data }),
    });
  } catch (e) { /* a node restarting: the next one goes through */ }
}

/** A raw client that subscribes to `channel` and stops reading: the node closes it with 1013. */
function slowClient(base, channel) {
  const { hostname, port } = new URL(base);
  const socket = net.connect({ host: hostname, port: Number(port) }, () => {
    socket.write('GET /switchboard/ws HTTP/1.1\r\nHost: ' + hostname + ':' + port + '\r\nUpgrade: websocket\r\n'
      + 'Connection: Upgrade\r\nSec-WebSocket-Key: ' + crypto.randomBytes(16).toString('base64') + '\r\n'
      + 'Sec-WebSocket-Version: 13\r\n\r\n');
    const payload = Buffer.from(JSON.stringify({ op: 'subscribe', channel, id: 1 }));
    const mask = crypto.randomBytes(4);
    const frame = Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask,
      Buffer.from(payload.map((b, i) => b ^ mask[i % 4]))]);
    setTimeout(() => { socket.write(frame); socket.pause(); }, 200); // then never read again
  });
  socket.on('error', () => {});
  return socket;
}

const channels = ['orders.eu', 'orders.us', 'prices.fx', 'chat.lobby'];
bases.forEach((base, n) => {
  for (let i = 0; i < 12 + 6 * n; i++) connect(base, [channels[i % channels.length], 'news']);
});
const kicked = connect(bases[1], [], '?token=' + mint('mallory'));

let tick = 0;
const raw = [];
while (Date.now() < end) {
  tick++;
  const elapsed = (Date.now() - (end - Number(seconds) * 1000)) / 1000;
  const perTick = Math.round(4 + 3 * Math.sin(elapsed / 40) + (elapsed > 200 && elapsed < 260 ? 6 : 0));
  const sends = [];
  for (let i = 0; i < perTick; i++) {
    const channel = pick(['orders.eu', 'orders.eu', 'orders.us', 'prices.fx', 'prices.fx', 'prices.fx']);
    sends.push(publish(pick(bases), channel, 'update', { n: tick, at: Date.now() }));
  }
  if (tick % 10 === 0) {
    const ws = pick(sockets);
    if (ws.readyState === 1) {
      ws.send(JSON.stringify({ op: 'send', event: 'chat', data: { text: 'hello ' + tick }, id: 's' + tick }));
      ws.send(JSON.stringify({ op: 'publish', channel: 'chat.lobby', event: 'said', data: { n: tick }, id: 'p' + tick }));
    }
  }
  if (tick % 50 === 0) { // a client leaves and comes back with `since`, on any node: a replay
    const ws = sockets.find((s) => s.readyState === 1 && s.last.size > 0);
    if (ws) {
      ws.close(1000);
      setTimeout(() => connect(pick(bases), [...ws.last.keys()], '', ws.last), 1500);
    }
  }
  if (tick === 400) { // about 2 minutes in: the application disconnects a user
    await fetch(bases[0] + '/switchboard/api/users/mallory/disconnect', {
      method: 'POST', headers: { Authorization: 'Bearer ' + apiToken } });
  }
  if (tick === 500 || tick === 1300) { // a client stops reading: large events fill its buffers, then its queue
    const base = bases[tick === 500 ? 1 : 2];
    raw.push(slowClient(base, 'ballast'));
    await sleep(500);
    const filler = 'x'.repeat(60 * 1024);
    for (let i = 0; i < 80; i++) await publish(base, 'ballast', 'ballast', { filler });
  }
  await Promise.all(sends);
  await sleep(200);
}
sockets.forEach((ws) => ws.readyState === 1 && ws.close(1000));
raw.forEach((socket) => socket.destroy());
void kicked;
