import type { PlainRtpStream } from '../engine/rtc-engine';

const RTPMAP_NAMES: Record<PlainRtpStream['mimeType'], string> = { 'video/H264': 'H264', 'video/VP8': 'VP8', 'audio/opus': 'opus' };

/**
 * The SDP FFmpeg reads plain RTP with (`-f sdp -i file`): one m= section per
 * stream on the port the engine sends to (FFmpeg binds it, and the next one
 * for RTCP), the payload type, clock rate and codec parameters the engine
 * chose, and the SSRC so stray packets are not mistaken for the stream.
 */
export function ffmpegSdp(streams: readonly PlainRtpStream[]): string {
  if (streams.length === 0) throw new Error('ffmpegSdp(): no streams');
  const first = streams[0] as PlainRtpStream;
  const lines = ['v=0', `o=- 0 0 IN ${ipVersion(first.ip)} ${first.ip}`, 's=mediaplane ingest bridge', 't=0 0'];
  for (const s of streams) {
    const encoding = `${RTPMAP_NAMES[s.mimeType]}/${s.clockRate}${s.kind === 'audio' && s.channels ? `/${s.channels}` : ''}`;
    lines.push(`m=${s.kind} ${s.port} RTP/AVP ${s.payloadType}`, `c=IN ${ipVersion(s.ip)} ${s.ip}`, `a=rtpmap:${s.payloadType} ${encoding}`);
    if (s.fmtp) lines.push(`a=fmtp:${s.payloadType} ${s.fmtp}`);
    lines.push(`a=ssrc:${s.ssrc} cname:mediaplane`, 'a=recvonly');
  }
  return `${lines.join('\r\n')}\r\n`;
}

function ipVersion(ip: string): 'IP4' | 'IP6' {
  return ip.includes(':') ? 'IP6' : 'IP4';
}
