'use strict';
// The baseline the Switchboard benchmark compares against: the usual Node answer to "push events to
// sockets held by other processes". A cluster primary forks N workers; each runs Socket.IO 4 with the
// Redis adapter on its own port on 127.0.0.1 (websocket transport only, so no sticky sessions are needed).
//
//   node server.js --nodes 2 --port 9100 --redis redis://127.0.0.1:6390
//
// Per worker:
//   Socket.IO   /socket.io/?EIO=4&transport=websocket; a client joins a room by emitting "join" with
//               the room name and is answered "joined" with the same name.
//   POST /emit  {"room","event","data"} or {"events":[{"room","event","data"},...]}: io.to(room).emit(event, data)
//               for each, answered 202 {"emitted":n}.
//   GET /bench/stats  after a full GC (workers run with --expose-gc): {"pid","rss","heapUsed",...,"connections"}.
//   GET /health       200 {"status":"up"}.
// The primary prints "BASELINE READY <port> <port> ..." once every worker listens, and stops the workers
// on SIGTERM/SIGINT. A worker that dies ends the whole cluster: a benchmark must not go on half-broken.

const cluster = require('node:cluster');
const http = require('node:http');

const MAX_BODY = 1024 * 1024;

function parseArgs(argv) {
  const options = { nodes: 2, port: 9100, redis: 'redis://127.0.0.1:6379' };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i];
    const value = argv[i + 1];
    if (value === undefined) {
      throw new Error(`missing value for ${name}`);
    }
    if (name === '--nodes') options.nodes = Number(value);
    else if (name === '--port') options.port = Number(value);
    else if (name === '--redis') options.redis = value;
    else throw new Error(`unknown option ${name}`);
  }
  if (!Number.isInteger(options.nodes) || options.nodes < 1) throw new Error('--nodes must be a positive integer');
  if (!Number.isInteger(options.port) || options.port < 1 || options.port > 65535) throw new Error('--port must be a port');
  return options;
}

function primary() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`baseline: ${e.message}`);
    console.error('usage: node server.js [--nodes N] [--port P] [--redis redis://127.0.0.1:PORT]');
    process.exit(2);
  }
  cluster.setupPrimary({ execArgv: ['--expose-gc'] });
  const ports = [];
  let ready = 0;
  let stopping = false;
  for (let i = 0; i < options.nodes; i++) {
    const port = options.port + i;
    ports.push(port);
    const worker = cluster.fork({ BASELINE_PORT: String(port), BASELINE_REDIS: options.redis, BASELINE_NODE: `node-${i + 1}` });
    worker.on('message', (message) => {
      if (message === 'ready' && ++ready === options.nodes) {
        console.log(`BASELINE READY ${ports.join(' ')}`);
      }
    });
  }
  cluster.on('exit', (worker, code, signal) => {
    if (!stopping) {
      console.error(`baseline: worker ${worker.process.pid} ended (code ${code}, signal ${signal}); stopping`);
      stop(1);
    } else if (Object.keys(cluster.workers).length === 0) {
      process.exit(0);
    }
  });
  function stop(code) {
    if (stopping) return;
    stopping = true;
    for (const worker of Object.values(cluster.workers)) worker.process.kill('SIGTERM');
    setTimeout(() => process.exit(code), 3000).unref();
    if (Object.keys(cluster.workers).length === 0) process.exit(code);
  }
  process.on('SIGTERM', () => stop(0));
  process.on('SIGINT', () => stop(0));
}

async function worker() {
  const { Server } = require('socket.io');
  const { createAdapter } = require('@socket.io/redis-adapter');
  const { createClient } = require('redis');

  const port = Number(process.env.BASELINE_PORT);
  const pubClient = createClient({ url: process.env.BASELINE_REDIS });
  const subClient = pubClient.duplicate();
  pubClient.on('error', (e) => console.error(`baseline ${port}: redis: ${e.message}`));
  subClient.on('error', (e) => console.error(`baseline ${port}: redis: ${e.message}`));
  await Promise.all([pubClient.connect(), subClient.connect()]);

  const httpServer = http.createServer((request, response) => handle(request, response));
  const io = new Server(httpServer, {
    transports: ['websocket'],
    serveClient: false,
    adapter: createAdapter(pubClient, subClient),
  });
  io.on('connection', (socket) => {
    socket.on('join', (room) => {
      if (typeof room === 'string') {
        socket.join(room);
        socket.emit('joined', room);
      }
    });
  });

  function answer(response, status, body) {
    const text = JSON.stringify(body);
    response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    response.end(text);
  }

  function handle(request, response) {
    if (request.method === 'GET' && request.url === '/health') {
      answer(response, 200, { status: 'up', node: process.env.BASELINE_NODE });
      return;
    }
    if (request.method === 'GET' && request.url === '/bench/stats') {
      if (global.gc) global.gc();
      const memory = process.memoryUsage();
      answer(response, 200, {
        pid: process.pid,
        node: process.env.BASELINE_NODE,
        rss: memory.rss,
        heapUsed: memory.heapUsed,
        heapTotal: memory.heapTotal,
        external: memory.external,
        gcAvailable: Boolean(global.gc),
        connections: io.engine.clientsCount,
      });
      return;
    }
    if (request.method === 'POST' && request.url === '/emit') {
      const chunks = [];
      let size = 0;
      request.on('data', (chunk) => {
        size += chunk.length;
        if (size <= MAX_BODY) chunks.push(chunk);
      });
      request.on('end', () => {
        if (size > MAX_BODY) {
          answer(response, 413, { error: 'too_large' });
          return;
        }
        let body;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch (e) {
          answer(response, 400, { error: 'bad_request', message: e.message });
          return;
        }
        const events = Array.isArray(body.events) ? body.events : [body];
        for (const event of events) {
          if (typeof event.room !== 'string' || typeof event.event !== 'string') {
            answer(response, 400, { error: 'bad_request', message: 'room and event must be strings' });
            return;
          }
        }
        for (const event of events) io.to(event.room).emit(event.event, event.data);
        answer(response, 202, { emitted: events.length });
      });
      return;
    }
    answer(response, 404, { error: 'not_found' });
  }

  httpServer.keepAliveTimeout = 60000;
  httpServer.listen(port, '127.0.0.1', () => process.send('ready'));
  const stop = () => {
    io.close();
    Promise.allSettled([pubClient.quit(), subClient.quit()]).finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (cluster.isPrimary) {
  primary();
} else {
  worker().catch((e) => {
    console.error(`baseline worker: ${e.stack || e}`);
    process.exit(1);
  });
}
