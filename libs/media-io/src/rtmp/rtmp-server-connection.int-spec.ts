import { spawn } from 'node:child_process';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { encodeRtmpMessageChunks } from './rtmp-chunk-writer';
import { RtmpChunkStreamId, RtmpMessageType } from './rtmp-constants';
import { RtmpServerConnection } from './rtmp-server-connection';
import type { RtmpMediaMessage, RtmpMetadata, RtmpPlayRequest, RtmpPublishRequest } from './rtmp-server-connection-types';

interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], timeoutMs: number): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const isVideoSequenceHeader = (m: RtmpMediaMessage): boolean => m.payload[1] === 0;
const isKeyframe = (m: RtmpMediaMessage): boolean => (m.payload[0] ?? 0) >> 4 === 1;

describe('RtmpServerConnection with real FFmpeg', () => {
  let server: Server;
  let port: number;
  let onConnection: (connection: RtmpServerConnection) => void = () => undefined;

  // Filled by the publish test, replayed by the play test.
  const recorded: { metadata?: RtmpMetadata; media: RtmpMediaMessage[] } = { media: [] };

  beforeAll(async () => {
    server = createServer((socket) => onConnection(new RtmpServerConnection(socket)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('accepts an FFmpeg publish and surfaces metadata, a video sequence header first, keyframes and audio', async () => {
    const publishes: RtmpPublishRequest[] = [];
    const handshakes: string[] = [];
    const unpublishes: string[] = [];
    const closed = new Promise<string>((resolve) => {
      onConnection = (connection) => {
        connection.on('handshake', (result) => handshakes.push(result.mode));
        connection.on('publish', (request) => {
          publishes.push(request);
          // Decide asynchronously, as a real auth check would.
          setTimeout(() => request.accept(), 20);
        });
        connection.on('metadata', (metadata) => (recorded.metadata = metadata));
        connection.on('media', (media) => recorded.media.push(media));
        connection.on('unpublish', (info) => unpublishes.push(`${info.streamName}:${info.reason}`));
        connection.on('close', (info) => resolve(info.reason));
      };
    });

    const ffmpeg = await run(
      'ffmpeg',
      [
        ...['-hide_banner', '-loglevel', 'error', '-re'],
        ...['-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25'],
        ...['-f', 'lavfi', '-i', 'sine'],
        ...['-t', '3', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '25', '-c:a', 'aac'],
        ...['-f', 'flv', `rtmp://127.0.0.1:${port}/live/somekey?token=abc`],
      ],
      30_000,
    );
    expect(ffmpeg).toMatchObject({ code: 0, stderr: '' });
    await closed;
    // FFmpeg ends with FCUnpublish + deleteStream; the end of the publish is reported once.
    expect(unpublishes).toEqual(['somekey:FCUnpublish']);

    expect(handshakes).toEqual(['digest']);
    expect(publishes).toHaveLength(1);
    expect(publishes[0]).toMatchObject({ app: 'live', streamName: 'somekey', publishType: 'live', streamId: 1 });
    expect(publishes[0]?.query.get('token')).toBe('abc');

    expect(recorded.metadata?.properties).toMatchObject({ width: 320, height: 240, videocodecid: 7, audiocodecid: 10 });

    const video = recorded.media.filter((m) => m.type === 'video');
    const audio = recorded.media.filter((m) => m.type === 'audio');
    expect(video[0]).toBeDefined();
    expect(video[0]?.payload[0]).toBe(0x17); // keyframe + AVC
    expect(isVideoSequenceHeader(video[0] as RtmpMediaMessage)).toBe(true);
    const keyframes = video.filter((m) => isKeyframe(m) && !isVideoSequenceHeader(m));
    expect(keyframes.length).toBeGreaterThanOrEqual(3); // 3 s at GOP 25 / 25 fps
    expect(video.length).toBeGreaterThan(60);
    expect((audio[0]?.payload[0] ?? 0) >> 4).toBe(10); // AAC
    expect(audio[0]?.payload[1]).toBe(0); // AAC sequence header
    expect(audio.length).toBeGreaterThan(100);
    // Timestamps are absolute and non-decreasing per track.
    for (const track of [video, audio]) {
      for (let i = 1; i < track.length; i++) {
        expect((track[i] as RtmpMediaMessage).timestamp).toBeGreaterThanOrEqual((track[i - 1] as RtmpMediaMessage).timestamp);
      }
    }
    expect(video[video.length - 1]?.timestamp).toBeGreaterThan(2500);
  });

  it('serves an accepted play that ffprobe (digest handshake) can read', async () => {
    expect(recorded.media.length).toBeGreaterThan(0);
    const plays: RtmpPlayRequest[] = [];
    const handshakes: string[] = [];
    onConnection = (connection) => {
      connection.on('handshake', (result) => handshakes.push(result.mode));
      connection.on('play', (request) => {
        plays.push(request);
        request.accept();
        const streamId = request.streamId;
        const encodedOutput = connection.encodedMediaOutput();
        if (recorded.metadata) connection.sendMedia(RtmpMessageType.DataAmf0, 0, recorded.metadata.payload);
        for (const media of recorded.media) {
          if (media.type === 'video') {
            // The fan-out path: bytes encoded once could go to many viewers.
            const chunks = encodeRtmpMessageChunks(
              { typeId: RtmpMessageType.Video, streamId, timestamp: media.timestamp, payload: media.payload },
              connection.chunkSize,
              RtmpChunkStreamId.Video,
            );
            encodedOutput.write(chunks);
          } else {
            connection.sendMedia(RtmpMessageType.Audio, media.timestamp, media.payload);
          }
        }
        connection.notifyUnpublished();
      });
    };

    const probe = await run('ffprobe', ['-v', 'error', '-show_streams', `rtmp://127.0.0.1:${port}/live/x`], 30_000);
    expect(probe).toMatchObject({ code: 0, stderr: '' });
    // FFmpeg as a player verifies our S1/S2 digests, so this proves the complex handshake.
    expect(handshakes).toEqual(['digest']);
    expect(plays).toHaveLength(1);
    expect(plays[0]).toMatchObject({ app: 'live', streamName: 'x' });
    expect(probe.stdout).toContain('codec_name=h264');
    expect(probe.stdout).toContain('width=320');
    expect(probe.stdout).toContain('height=240');
    expect(probe.stdout).toContain('codec_name=aac');
  });
});
