/**
 * The adb file-sync service (`sync:`) of a fake device, as `adb push` and adbkit's `device.push()` use it
 * (adb's SYNC.TXT, adbd's file_sync_service.cpp): after `sync:` is accepted, every request is a 4-byte id,
 * a u32 LE length and a payload. `SEND "<path>,<mode>"` starts an upload made of `DATA` chunks (u32 LE length,
 * at most 64 KiB each) ended by `DONE` (whose length field is the mtime); it is answered `OKAY` + 4 zero bytes.
 * `STAT <path>` is answered `STAT` + mode, size, mtime (u32 LE each; all zero when the path does not exist).
 * `QUIT` ends the session. Errors are `FAIL` + u32 LE length + message, after which adbd closes the stream.
 *
 * SyncRequestReader is the pure part (bytes in, requests out, every limit checked before buffering);
 * serveSync applies the requests to a device's files.
 */
import type net from 'node:net';

export interface FakeDeviceFile {
  data: Buffer;
  /** st_mode as sent by the client, e.g. 0o100644. */
  mode: number;
  /** Seconds since the epoch, from DONE. */
  mtime: number;
}

export interface SyncLimits {
  /** adbd refuses longer request payloads ("path too long"). */
  maxPathBytes: number;
  /** adbd's SYNC_DATA_MAX: a longer DATA chunk is "oversize data message". */
  maxDataBytes: number;
  /** The fake's disk: an upload that grows beyond this fails like a full /data partition. */
  maxFileBytes: number;
}

export const DEFAULT_SYNC_LIMITS: SyncLimits = { maxPathBytes: 1024, maxDataBytes: 64 * 1024, maxFileBytes: 64 * 1024 * 1024 };

export type SyncRequest =
  | { id: 'STAT'; path: string }
  /** A finished upload (SEND … DATA … DONE). */
  | { id: 'SEND'; path: string; mode: number; mtime: number; data: Buffer }
  | { id: 'QUIT' }
  /** The stream broke a rule: answer FAIL with this message and close. */
  | { id: 'FAIL'; message: string };

/** Sync requests adbd knows but this fake does not implement (answered FAIL rather than "unknown command"). */
const UNSUPPORTED = new Set(['LIST', 'LIS2', 'RECV', 'RCV2', 'SND2', 'STA2', 'LST2']);

export class SyncRequestReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private upload: { path: string; mode: number; chunks: Buffer[]; size: number } | undefined;
  private finished = false;
  /** Bytes the pending request needs before it can be parsed. */
  private needed = 8;

  constructor(private readonly limits: SyncLimits = DEFAULT_SYNC_LIMITS) {}

  /** Bytes held while a request is incomplete (never more than one request: 8 + 64 KiB). */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Parses `chunk`; after a QUIT or FAIL request the rest of the stream is ignored. */
  push(chunk: Buffer): SyncRequest[] {
    const out: SyncRequest[] = [];
    if (this.finished) return out;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    // Join the chunks only once the pending request is complete, so a 64 KiB DATA arriving in pieces is copied once.
    if (this.buffered < this.needed) return out;
    let data = Buffer.concat(this.chunks, this.buffered);
    this.needed = 8;
    while (data.length >= 8 && !this.finished) {
      const id = data.subarray(0, 4).toString('latin1');
      const length = data.readUInt32LE(4);
      // Limits are checked on the header, so a hostile length never makes us wait for (and buffer) its payload.
      const limitError = this.checkHeader(id, length);
      if (limitError) {
        out.push(this.fail(limitError));
        break;
      }
      // DONE carries the mtime in its length field and has no payload.
      const payloadLength = id === 'DONE' && this.upload ? 0 : length;
      if (data.length < 8 + payloadLength) {
        this.needed = 8 + payloadLength;
        break;
      }
      const payload = data.subarray(8, 8 + payloadLength);
      data = data.subarray(8 + payloadLength);
      const request = this.onRequest(id, length, payload);
      if (request) out.push(request);
    }
    this.chunks = this.finished || !data.length ? [] : [data];
    this.buffered = this.finished ? 0 : data.length;
    return out;
  }

  private checkHeader(id: string, length: number): string | undefined {
    if (this.upload) {
      if (id !== 'DATA' && id !== 'DONE') return 'invalid data message';
      if (id === 'DATA' && length > this.limits.maxDataBytes) return 'oversize data message';
      // ENOSPC, as adbd reports a failed write of the file.
      if (id === 'DATA' && this.upload.size + length > this.limits.maxFileBytes) return 'write failed: No space left on device';
      return undefined;
    }
    return length > this.limits.maxPathBytes ? 'path too long' : undefined;
  }

  private onRequest(id: string, length: number, payload: Buffer): SyncRequest | undefined {
    const upload = this.upload;
    if (upload) {
      if (id === 'DATA') {
        upload.size += payload.length;
        upload.chunks.push(Buffer.from(payload));
        return undefined;
      }
      // DONE: checkHeader lets nothing else through during an upload.
      this.upload = undefined;
      return { id: 'SEND', path: upload.path, mode: upload.mode, mtime: length, data: Buffer.concat(upload.chunks, upload.size) };
    }
    const text = payload.toString('utf8');
    switch (id) {
      case 'STAT':
        return { id: 'STAT', path: text };
      case 'SEND': {
        // "<path>,<mode>": the path may itself contain commas, so split at the last one (as adbd does).
        const comma = text.lastIndexOf(',');
        if (comma < 0) return this.fail('missing comma');
        const mode = parseInt(text.slice(comma + 1), 10);
        this.upload = { path: text.slice(0, comma), mode: Number.isFinite(mode) ? mode : 0o100644, chunks: [], size: 0 };
        return undefined;
      }
      case 'QUIT':
        this.finished = true;
        return { id: 'QUIT' };
      default:
        if (UNSUPPORTED.has(id)) return this.fail(`fake adb: sync ${id} is not supported`);
        return this.fail(`unknown command ${Buffer.from(id, 'latin1').readUInt32LE(0).toString(16).padStart(8, '0')}`);
    }
  }

  private fail(message: string): SyncRequest {
    this.finished = true;
    this.upload = undefined;
    return { id: 'FAIL', message };
  }
}

/** Directories every device has, so `adb push x /data/local/tmp/` (a directory target) resolves like on a phone. */
const DEVICE_DIRECTORIES = ['/', '/data', '/data/local', '/data/local/tmp', '/sdcard', '/storage', '/storage/emulated', '/storage/emulated/0'];
const S_IFDIR = 0o040000;

function isDirectory(files: Map<string, FakeDeviceFile>, path: string): boolean {
  const p = path.length > 1 ? path.replace(/\/+$/, '') : path;
  if (DEVICE_DIRECTORIES.includes(p)) return true;
  const prefix = p === '/' ? '/' : `${p}/`;
  for (const name of files.keys()) if (name.startsWith(prefix)) return true;
  return false;
}

function syncFail(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  const header = Buffer.alloc(8);
  header.write('FAIL', 0, 'latin1');
  header.writeUInt32LE(body.length, 4);
  return Buffer.concat([header, body]);
}

/** Serves `sync:` on `socket` (already answered OKAY) for a device whose files are `files`; `leftover` is what followed the request. */
export function serveSync(socket: net.Socket, files: Map<string, FakeDeviceFile>, leftover: Buffer, limits: SyncLimits = DEFAULT_SYNC_LIMITS): void {
  const reader = new SyncRequestReader(limits);
  const onData = (chunk: Buffer): void => {
    for (const request of reader.push(chunk)) {
      switch (request.id) {
        case 'STAT': {
          const reply = Buffer.alloc(16);
          reply.write('STAT', 0, 'latin1');
          const file = files.get(request.path);
          if (file) {
            reply.writeUInt32LE(file.mode >>> 0, 4);
            reply.writeUInt32LE(file.data.length, 8);
            reply.writeUInt32LE(file.mtime >>> 0, 12);
          } else if (isDirectory(files, request.path)) {
            reply.writeUInt32LE(S_IFDIR | 0o771, 4);
            reply.writeUInt32LE(4096, 8);
          }
          socket.write(reply);
          break;
        }
        case 'SEND':
          if (isDirectory(files, request.path)) {
            socket.end(syncFail("couldn't create file: Is a directory"));
            return;
          }
          files.set(request.path, { data: request.data, mode: request.mode, mtime: request.mtime });
          socket.write(Buffer.from('OKAY\0\0\0\0', 'latin1'));
          break;
        case 'QUIT':
          socket.end();
          return;
        case 'FAIL':
          socket.end(syncFail(request.message));
          return;
      }
    }
  };
  socket.on('data', onData);
  if (leftover.length) onData(leftover);
}
