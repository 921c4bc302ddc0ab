/*
 * Switchboard browser client (wire protocol v1). No dependencies, no build step.
 *
 *   const sb = new Switchboard('switchboard/ws');            // or a list of URLs to fail over across
 *   const off = sb.subscribe('news', (data, meta) => ...);   // meta = {event, channel, offset}
 *   sb.publish('chat.lobby', 'message', {text: 'hi'}).then(offset => ...);
 *   sb.send('echo', {text: 'hi'}).then(reply => ...);         // the server's handler of 'echo' answers
 *   sb.on('welcome', w => console.log('socket held by', w.node));
 *   const room = sb.presence('presence-lobby', {onChange: users => ...}); // who is online; room.members
 *
 * Server-side control (SPEC v1.1): the application may subscribe this session to channels (their
 * events go to `sb.on('event', (data, meta) => ...)` unless the page subscribed them itself),
 * unsubscribe it (`sb.on('unsubscribed', ({channel}) => ...)`; the page's handlers of that channel
 * stop and it is not resubscribed), send it events (`sb.on('session', (data, meta) => ...)`, on
 * channel `@session`, without offsets) and disconnect it: a close with 4403 is not retried, the
 * client stays closed and says so (`sb.on('disconnected', ({code, reason}) => ...)`, `sb.disconnected`).
 * What the server subscribed belongs to the session: a reconnect starts without it.
 *
 * Guarantees: reconnects by itself (exponential backoff with full jitter, next URL each time),
 * resubscribes every channel with `since` = the last offset it saw so the server replays what was
 * missed, and never hands a handler the same event twice across such a seam.
 *
 * Networks that block WebSockets: when the WebSocket handshake fails, or no `welcome` arrives within
 * a few seconds, twice in a row, the client switches to Server-Sent Events (a stream from
 * `.../sse`, each request POSTed), resubscribing with `since` as on any reconnect, and tries the
 * WebSocket again every `webSocketRetry` ms, moving back as soon as it works. `sb.transport` says
 * which is in use ('websocket' or 'sse'); the 'transport' event reports each change.
 *
 * Frames (SPEC v1.1): the WebSocket asks for batched binary messages (`?batch=1&binary=1`: several
 * frames in one message, one a line, as UTF-8 bytes), which cost the server fewer writes and no
 * per-connection encoding; `{batch: false}` / `{binary: false}` ask for plain text frames instead.
 *
 * Identity: `token` is a client token, or a function returning one (or a promise of one) that is
 * asked before every connect and again before the current token expires; the fresh token is sent
 * as `refresh`, so the server does not close the socket with 4401 when the old one runs out.
 *
 *   const sb = new Switchboard('switchboard/ws', {
 *     token: () => fetch('/my-app/switchboard-token').then(r => r.text()),
 *   });
 *
 * Loadable as a classic <script> (defines window.Switchboard) and as a CommonJS module. One script
 * as served; its source is in parts, one per concern (io/switchboard/internal/web/client/parts.txt).
 */
(function (root, factory) {
  'use strict';
  const Switchboard = factory();
  if (typeof module === 'object' && module && module.exports) module.exports = Switchboard;
  if (root) root.Switchboard = Switchboard;
})(typeof self !== 'undefined' ? self : undefined, function () {
  'use strict';
