import type { Player } from './player';

/**
 * WebRTC playback over WHEP (RFC 9725): one recvonly offer POSTed as
 * application/sdp, the answer applied, the session DELETEd on close.
 */
export async function playWhep(video: HTMLVideoElement, url: string, onError: (message: string) => void): Promise<Player> {
  const pc = new RTCPeerConnection();
  pc.addTransceiver('video', { direction: 'recvonly' });
  pc.addTransceiver('audio', { direction: 'recvonly' });
  const media = new MediaStream();
  pc.ontrack = (event) => {
    media.addTrack(event.track);
    video.srcObject = media;
    void video.play().catch(() => undefined);
  };
  pc.onconnectionstatechange = () => {
    if (pc.connectionState === 'failed') onError('WHEP: the WebRTC connection failed');
  };
  await pc.setLocalDescription(await pc.createOffer());
  await gatheringComplete(pc, 2000);
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/sdp' }, body: pc.localDescription?.sdp ?? '' });
  if (!res.ok) {
    pc.close();
    throw new Error(`WHEP endpoint answered ${res.status}`);
  }
  const location = res.headers.get('location');
  await pc.setRemoteDescription({ type: 'answer', sdp: await res.text() });
  return {
    destroy: () => {
      pc.close();
      video.srcObject = null;
      if (location) void fetch(new URL(location, url), { method: 'DELETE' }).catch(() => undefined);
    },
  };
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
