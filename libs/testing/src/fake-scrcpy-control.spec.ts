import { CONTROL_MSG_MAX_SIZE, ScrcpyControlReader, controlMessageSize } from './fake-scrcpy-control';

const keycode = Buffer.alloc(14); // type 0
const text = Buffer.concat([Buffer.from([1, 0, 0, 0, 3]), Buffer.from('abc')]);
const touch = Buffer.concat([Buffer.from([2]), Buffer.alloc(31)]);
const reset = Buffer.from([17]);
const startApp = Buffer.concat([Buffer.from([16, 4]), Buffer.from('chat')]);
const uhidCreate = Buffer.concat([Buffer.from([12, 0, 1, 0, 2, 0, 3, 2]), Buffer.from('kb'), Buffer.from([0, 3, 9, 9, 9])]);

describe('ScrcpyControlReader', () => {
  it('knows the size of each message type, fixed or announced', () => {
    expect([keycode, text, touch, reset, startApp, uhidCreate].map((m) => controlMessageSize(m))).toEqual([14, 8, 32, 1, 6, 15]);
    expect(controlMessageSize(Buffer.from([1, 0, 0]))).toBeUndefined(); // the length is not there yet
    expect(controlMessageSize(Buffer.from([99]))).toBe('unknown');
  });

  it('splits messages whatever the chunking', () => {
    const stream = Buffer.concat([keycode, text, touch, reset, startApp, uhidCreate, reset]);
    const reader = new ScrcpyControlReader();
    const types: number[] = [];
    for (const b of stream) types.push(...reader.push(Buffer.from([b])).types);
    expect(types).toEqual([0, 1, 2, 17, 16, 12, 17]);
  });

  it('stops at an unknown type (the real reader throws, ending the server) and reads nothing after', () => {
    const reader = new ScrcpyControlReader();
    expect(reader.push(Buffer.concat([reset, Buffer.from([42]), reset]))).toEqual({ types: [17], error: 'Unknown event type: 42' });
    expect(reader.push(reset)).toEqual({ types: [] });
  });

  it('refuses a length beyond 256 KiB instead of waiting for it', () => {
    const huge = Buffer.from([1, 0x7f, 0xff, 0xff, 0xff]);
    expect(new ScrcpyControlReader().push(huge).error).toBe(`Control message too large: ${5 + 0x7fffffff} bytes`);
    expect(CONTROL_MSG_MAX_SIZE).toBe(262144);
  });
});
