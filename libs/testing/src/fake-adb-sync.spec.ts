import { SyncRequestReader, type SyncRequest } from './fake-adb-sync';

function message(id: string, payload: Buffer | string | number): Buffer {
  const header = Buffer.alloc(8);
  header.write(id, 0, 'latin1');
  if (typeof payload === 'number') {
    header.writeUInt32LE(payload, 4);
    return header;
  }
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  header.writeUInt32LE(body.length, 4);
  return Buffer.concat([header, body]);
}

const limits = { maxPathBytes: 16, maxDataBytes: 8, maxFileBytes: 12 };

describe('SyncRequestReader', () => {
  it('turns SEND + DATA… + DONE into one upload, whatever the chunking', () => {
    const stream = Buffer.concat([
      message('SEND', '/t/a,b,33188'),
      message('DATA', 'hello '),
      message('DATA', 'world'),
      message('DONE', 1700000000),
      message('QUIT', ''),
    ]);
    const whole = new SyncRequestReader({ ...limits, maxFileBytes: 100 }).push(stream);
    const reader = new SyncRequestReader({ ...limits, maxFileBytes: 100 });
    const byteByByte: SyncRequest[] = [];
    for (const b of stream) byteByByte.push(...reader.push(Buffer.from([b])));
    for (const requests of [whole, byteByByte]) {
      expect(requests).toEqual([{ id: 'SEND', path: '/t/a,b', mode: 0o100644, mtime: 1700000000, data: Buffer.from('hello world') }, { id: 'QUIT' }]);
    }
  });

  it('parses STAT and ignores everything after QUIT', () => {
    const reader = new SyncRequestReader(limits);
    expect(reader.push(Buffer.concat([message('STAT', '/data'), message('QUIT', ''), message('STAT', '/x')]))).toEqual([
      { id: 'STAT', path: '/data' },
      { id: 'QUIT' },
    ]);
    expect(reader.push(message('STAT', '/y'))).toEqual([]);
  });

  it.each([
    ['a path longer than the limit, refused on its header', message('STAT', 17), 'path too long'],
    ['a DATA chunk over 64 KiB (here 8), refused on its header', Buffer.concat([message('SEND', '/f,420'), message('DATA', 9)]), 'oversize data message'],
    [
      'a file over the disk size',
      Buffer.concat([message('SEND', '/f,420'), message('DATA', 'x'.repeat(8)), message('DATA', 'x'.repeat(5))]),
      'write failed: No space left on device',
    ],
    ['another request in the middle of an upload', Buffer.concat([message('SEND', '/f,420'), message('STAT', '/f')]), 'invalid data message'],
    ['SEND without a mode', message('SEND', '/f'), 'missing comma'],
    ['DATA outside an upload', message('DATA', 'x'), 'unknown command 41544144'],
    ['an unknown id', message('NOPE', ''), 'unknown command 45504f4e'],
    ['a real request the fake does not implement', message('RECV', '/f'), 'fake adb: sync RECV is not supported'],
  ])('fails on %s, then reads no more', (_what, bytes, failure) => {
    const reader = new SyncRequestReader(limits);
    expect(reader.push(bytes)).toEqual([{ id: 'FAIL', message: failure }]);
    expect(reader.bufferedBytes).toBe(0);
    expect(reader.push(message('STAT', '/'))).toEqual([]);
  });

  it('holds at most one incomplete request', () => {
    const reader = new SyncRequestReader({ maxPathBytes: 1024, maxDataBytes: 64 * 1024, maxFileBytes: 1 << 20 });
    reader.push(message('SEND', '/f,420'));
    const data = message('DATA', Buffer.alloc(64 * 1024));
    reader.push(data.subarray(0, 40_000));
    expect(reader.bufferedBytes).toBe(40_000);
    reader.push(data.subarray(40_000));
    expect(reader.bufferedBytes).toBe(0);
  });
});
