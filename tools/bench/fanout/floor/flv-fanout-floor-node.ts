// The fan-out bench's Node floor: the C floor (flv-fanout-floor.c) written for Node, so the bench can show how
// much of a viewer's cost is the runtime's (one `socket.write` per viewer per video frame, through libuv) rather
// than the kernel's or our ingest's. Same behaviour as the C floor, nothing more: its one publisher sends plain
// FLV over TCP; each HTTP-FLV viewer gets one write per video frame carrying the audio since the last one (audio
// held at most 50 ms, as ours), a viewer starts at the next keyframe (no GOP cache), and a viewer whose queue
// passes 8 MB is dropped. No parsing beyond the tag headers, no metrics.
//
// usage: node flv-fanout-floor-node.js <viewer-port> <publish-port>   (both on 127.0.0.1)
// Prints "listening" once both listen; exits 1 when the publisher goes away.
import { createServer, type Socket } from 'node:net';

const MAX_TAG_BYTES = 16 << 20;
const MAX_BACKLOG_BYTES = 8 << 20;
const MAX_REQUEST_BYTES = 8192;
const AUDIO_HOLD_MS = 50;
const TAG_HEADER_BYTES = 11;
const PREVIOUS_TAG_SIZE_BYTES = 4;

const RESPONSE_HEAD = Buffer.concat([
  Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: video/x-flv\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n', 'latin1'),
  Buffer.from([0x46, 0x4c, 0x56, 0x01, 0x05, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00]),
]);

interface Viewer {
  socket: Socket;
  state: 'request' | 'waiting' | 'live';
  request: string;
}

const viewers = new Set<Viewer>();
let metadataTag: Buffer | undefined;
let videoConfigTag: Buffer | undefined;
let audioConfigTag: Buffer | undefined;
let pending: Buffer[] = [];
let pendingFirstAudioMs = -1;

function tagTimestamp(tag: Buffer): number {
  return ((tag[7] as number) << 24) | tag.readUIntBE(4, 3);
}

function retimed(tag: Buffer, timestamp: number): Buffer {
  const copy = Buffer.from(tag);
  copy.writeUIntBE(timestamp & 0xffffff, 4, 3);
  copy[7] = (timestamp >>> 24) & 0xff;
  return copy;
}

function send(viewer: Viewer, bytes: Buffer): void {
  viewer.socket.write(bytes);
  if (viewer.socket.writableLength > MAX_BACKLOG_BYTES) viewer.socket.destroy();
}

/** What a viewer gets before its first keyframe: response head, FLV header, onMetaData, the configurations at the keyframe's time. */
function prelude(keyframeTimestamp: number): Buffer {
  const parts: Buffer[] = [RESPONSE_HEAD];
  if (metadataTag) parts.push(metadataTag);
  for (const config of [videoConfigTag, audioConfigTag]) if (config) parts.push(retimed(config, keyframeTimestamp));
  return Buffer.concat(parts);
}

function flushPending(keyframeTimestamp: number | undefined): void {
  const batch = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending);
  pending = [];
  pendingFirstAudioMs = -1;
  for (const viewer of viewers) {
    if (viewer.state === 'waiting' && keyframeTimestamp !== undefined) {
      send(viewer, prelude(keyframeTimestamp));
      viewer.state = 'live';
    }
    if (viewer.state === 'live') send(viewer, batch);
  }
}

/** One whole tag: header, body, previous-tag size. */
function onTag(tag: Buffer): void {
  const body = tag.subarray(TAG_HEADER_BYTES, tag.length - PREVIOUS_TAG_SIZE_BYTES);
  const timestamp = tagTimestamp(tag);
  if (tag[0] === 18) {
    metadataTag ??= Buffer.from(tag);
  } else if (tag[0] === 8) {
    if (body.length >= 2 && (body[0] as number) >> 4 === 10 && body[1] === 0) {
      audioConfigTag = Buffer.from(tag);
      return;
    }
    pending.push(tag);
    if (pendingFirstAudioMs < 0) pendingFirstAudioMs = timestamp;
    else if (timestamp - pendingFirstAudioMs >= AUDIO_HOLD_MS) flushPending(undefined);
  } else if (tag[0] === 9) {
    if (body.length >= 2 && ((body[0] as number) & 0x0f) === 7 && body[1] === 0) {
      videoConfigTag = Buffer.from(tag);
      return;
    }
    pending.push(tag);
    flushPending(body.length >= 1 && (body[0] as number) >> 4 === 1 ? timestamp : undefined);
  }
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function onPublisher(socket: Socket): void {
  publishServer.close(); // the one publisher: later ones are refused
  let input: Buffer = Buffer.alloc(0);
  let headerDone = false;
  socket.on('data', (chunk: Buffer) => {
    input = input.length === 0 ? chunk : Buffer.concat([input, chunk]);
    let at = 0;
    if (!headerDone) {
      if (input.length < 13) return;
      if (input.toString('latin1', 0, 3) !== 'FLV') fail('the publisher does not send FLV');
      at = 13;
      headerDone = true;
    }
    while (input.length - at >= TAG_HEADER_BYTES) {
      const bodyBytes = input.readUIntBE(at + 1, 3);
      if (bodyBytes > MAX_TAG_BYTES) fail(`the publisher sent a tag of ${bodyBytes} bytes`);
      const whole = TAG_HEADER_BYTES + bodyBytes + PREVIOUS_TAG_SIZE_BYTES;
      if (input.length - at < whole) break;
      onTag(input.subarray(at, at + whole));
      at += whole;
    }
    input = input.subarray(at);
  });
  socket.on('close', () => fail('the publisher went away'));
  socket.on('error', () => undefined);
}

function onViewer(socket: Socket): void {
  const viewer: Viewer = { socket, state: 'request', request: '' };
  viewers.add(viewer);
  socket.on('data', (chunk: Buffer) => {
    if (viewer.state !== 'request') return; // players send nothing after the request; ignore it if they do
    viewer.request += chunk.toString('latin1');
    if (viewer.request.includes('\r\n\r\n')) viewer.state = 'waiting';
    else if (viewer.request.length > MAX_REQUEST_BYTES) socket.destroy();
  });
  socket.on('close', () => viewers.delete(viewer));
  socket.on('error', () => undefined);
}

const [viewerPort, publishPort] = process.argv.slice(2).map(Number);
if (!viewerPort || !publishPort) fail('usage: flv-fanout-floor-node <viewer-port> <publish-port>');
const viewerServer = createServer({ noDelay: true }, onViewer);
const publishServer = createServer({ noDelay: true }, onPublisher);
let listening = 0;
const onListening = (): void => {
  if (++listening === 2) process.stdout.write('listening\n');
};
viewerServer.listen({ port: viewerPort, host: '127.0.0.1', backlog: 4096 }, onListening);
publishServer.listen({ port: publishPort, host: '127.0.0.1' }, onListening);
