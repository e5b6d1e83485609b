import { controlPlaneKeys, hlsViewerKeys, liveStreamKeys, nodeRegistryKeys, redisKey, transcodeKeys } from './redis-keys';

// The layout is shared by services deployed separately (ingest writes what edges and the control
// plane read), so a change here is a breaking change: these expectations pin it.
describe('redis key layout', () => {
  it('joins the namespace and the parts with colons', () => {
    expect(redisKey('mp', 'a', 'b')).toBe('mp:a:b');
    expect(redisKey('mp')).toBe('mp');
  });

  it('names each store family under the namespace', () => {
    expect(liveStreamKeys('mp').entry('s1')).toBe('mp:live:s1');
    expect(liveStreamKeys('mp').index).toBe('mp:live-index');
    expect(nodeRegistryKeys('mp').entry('ingest-1')).toBe('mp:node:ingest-1');
    expect(nodeRegistryKeys('mp').index).toBe('mp:nodes');
    expect(hlsViewerKeys('mp').stream('s1')).toBe('mp:hls-viewers:s1');
    expect(transcodeKeys('mp').jobLease('s1')).toBe('mp:transcode-job:s1');
    expect(transcodeKeys('mp').hlsSequence('s1')).toBe('mp:hls-seq:s1');
    expect(controlPlaneKeys('mp').authFailures('1.2.3.4')).toBe('mp:cp:auth-failures:1.2.3.4');
    expect(controlPlaneKeys('mp').renditions('s1')).toBe('mp:cp:renditions:s1');
    expect(controlPlaneKeys('mp').webhookDeliveries('w1', 'stats')).toBe('mp:cp:webhook:w1:stats');
  });

  it('keeps the HLS origin key edges and workers have always used', () => {
    expect(transcodeKeys('mp').hlsOrigin('s1')).toBe('mp:hls-origin:s1');
  });

  it('keeps families apart even when an id looks like another family', () => {
    expect(liveStreamKeys('mp').entry('index')).not.toBe(liveStreamKeys('mp').index);
  });
});
