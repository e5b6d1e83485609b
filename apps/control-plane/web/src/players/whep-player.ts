import { PlaybackUnavailableError, type Player, type PlayerCallbacks } from './player';

export const WEBRTC_NOT_AVAILABLE = 'WebRTC playback is not available on this platform';
export const WEBRTC_NOT_FOR_STREAM = 'WebRTC playback is not available for this stream';
const ANSWER_TIMEOUT_MS = 10_000;
/**
 * ICE and DTLS on a working path take well under a second; a connection that
 * is not up by then will not come up. Chromium only calls it `failed` after
 * about 30 s, which a viewer would spend looking at a black player.
 */
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * WebRTC playback over WHEP (RFC 9725): one recvonly offer POSTed as
 * application/sdp, the answer applied, the session DELETEd on close.
 *
 * An SFU that cannot be reached, or answers 5xx, means "no WebRTC here";
 * a 404 means this stream is not served over WebRTC (not published over WHIP
 * and no bridge for it). Either is shown once rather than retried every two
 * seconds, so they throw PlaybackUnavailableError; token refusals and bad
 * requests stay ordinary errors.
 */
export async function playWhep(video: HTMLVideoElement, url: string, callbacks: PlayerCallbacks): Promise<Player> {
  if (typeof RTCPeerConnection === 'undefined') throw new PlaybackUnavailableError('This browser cannot play WebRTC', 'no RTCPeerConnection');
  const pc = new RTCPeerConnection();
  try {
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.addTransceiver('audio', { direction: 'recvonly' });
    const media = new MediaStream();
    pc.ontrack = (event) => {
      media.addTrack(event.track);
      // A player given up while starting gets its answer late: the element is the next player's by then.
      if (callbacks.isCurrent?.() === false) return;
      video.srcObject = media;
      void video.play().catch(() => undefined);
    };
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'failed') callbacks.onError('WHEP: the WebRTC connection failed');
    };
    await pc.setLocalDescription(await pc.createOffer());
    await gatheringComplete(pc, 2000);
    const res = await postOffer(url, pc.localDescription?.sdp ?? '');
    const location = res.headers.get('location');
    await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
    const connectTimer = setTimeout(() => {
      if (pc.connectionState !== 'connected') callbacks.onError(`WHEP: no connection within ${CONNECT_TIMEOUT_MS / 1000} s`);
    }, CONNECT_TIMEOUT_MS);
    return {
      destroy: () => {
        clearTimeout(connectTimer);
        pc.close();
        // Only its own stream: a player given up while starting is destroyed when its answer comes,
        // after the next player may have put its stream on the element (status "Playing", black).
        if (video.srcObject === media) video.srcObject = null;
        if (location) void fetch(new URL(location, url), { method: 'DELETE' }).catch(() => undefined);
      },
    };
  } catch (error) {
    pc.close();
    throw error;
  }
}

async function postOffer(url: string, sdp: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp' },
      body: sdp,
      signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
    });
  } catch (error) {
    if ((error as Error).name === 'TimeoutError') throw new Error(`WHEP: no answer within ${ANSWER_TIMEOUT_MS / 1000} s`);
    throw new PlaybackUnavailableError(WEBRTC_NOT_AVAILABLE, 'the WHEP endpoint could not be reached');
  }
  if (res.ok) return res;
  if (res.status === 404) throw new PlaybackUnavailableError(WEBRTC_NOT_FOR_STREAM, 'the WHEP endpoint answered 404');
  if (res.status === 405 || res.status === 501 || res.status >= 500)
    throw new PlaybackUnavailableError(WEBRTC_NOT_AVAILABLE, `the WHEP endpoint answered ${res.status}`);
  throw new Error(`WHEP: the endpoint answered ${res.status}${res.status === 401 || res.status === 403 ? ' (playback token refused)' : ''}`);
}

function gatheringComplete(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === 'complete') done();
    };
    pc.addEventListener('icegatheringstatechange', check);
    setTimeout(done, timeoutMs);
  });
}
