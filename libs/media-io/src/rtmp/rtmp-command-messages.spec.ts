import { Amf0EcmaArray, encodeAmf0 } from '@mediaplane/codecs';
import { createRtmpCommandMessage, createRtmpDataMessage, createRtmpStatusMessage, parseRtmpCommand, parseRtmpDataMessage } from './rtmp-command-messages';
import { RtmpProtocolError } from './rtmp-errors';
import type { RtmpMessage } from './rtmp-message';

const command = (payload: Buffer, typeId = 20, streamId = 0): RtmpMessage => ({ typeId, streamId, timestamp: 0, payload });

describe('RTMP command messages', () => {
  it('parses name, transaction id, command object and arguments', () => {
    const parsed = parseRtmpCommand(command(encodeAmf0('publish', 5, null, 'key', 'live'), 20, 1));
    expect(parsed).toEqual({ name: 'publish', transactionId: 5, commandObject: null, args: ['key', 'live'], streamId: 1 });
  });

  it('accepts AMF3 command messages that carry AMF0 after the format byte', () => {
    const payload = Buffer.concat([Buffer.from([0]), encodeAmf0('connect', 1, { app: 'live' })]);
    expect(parseRtmpCommand(command(payload, 17)).commandObject).toEqual({ app: 'live' });
  });

  it('treats a missing transaction id as 0', () => {
    expect(parseRtmpCommand(command(encodeAmf0('onBWDone'))).transactionId).toBe(0);
  });

  it.each([
    ['malformed AMF', Buffer.from([0x02, 0x00, 0x10, 0x41]), 'amf-invalid'],
    ['a non-string name', encodeAmf0(1, 2), 'command-invalid'],
    ['a non-numeric transaction id', encodeAmf0('connect', 'x'), 'command-invalid'],
    ['nothing', Buffer.alloc(0), 'command-invalid'],
  ])('rejects %s with RtmpProtocolError', (_why, payload, code) => {
    expect(() => parseRtmpCommand(command(payload))).toThrow(expect.objectContaining({ code }));
    expect(() => parseRtmpCommand(command(payload))).toThrow(RtmpProtocolError);
  });

  it('passes AMF limits to the decoder', () => {
    const payload = encodeAmf0('connect', 1, { app: 'x'.repeat(100) });
    expect(() => parseRtmpCommand(command(payload), { maxStringBytes: 50 })).toThrow(expect.objectContaining({ code: 'amf-invalid' }));
  });

  it('parses data messages into handler name and values', () => {
    const metadata = new Amf0EcmaArray({ width: 320 });
    const parsed = parseRtmpDataMessage({ typeId: 18, streamId: 1, timestamp: 7, payload: encodeAmf0('@setDataFrame', 'onMetaData', metadata) });
    expect(parsed).toEqual({ streamId: 1, timestamp: 7, name: '@setDataFrame', values: ['onMetaData', metadata] });
  });

  it('builds _result, onStatus and data messages that parse back', () => {
    const result = createRtmpCommandMessage(0, '_result', 4, null, 1);
    expect(parseRtmpCommand(result)).toMatchObject({ name: '_result', transactionId: 4, args: [1] });
    const status = createRtmpStatusMessage(1, { level: 'status', code: 'NetStream.Publish.Start', description: 'ok' });
    expect(status.streamId).toBe(1);
    expect(parseRtmpCommand(status)).toMatchObject({ name: 'onStatus', transactionId: 0, args: [{ code: 'NetStream.Publish.Start' }] });
    expect(createRtmpDataMessage(1, 0, '|RtmpSampleAccess', true, true).typeId).toBe(18);
  });
});
