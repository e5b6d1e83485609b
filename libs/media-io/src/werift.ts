// Secondary entry point `@mediaplane/media-io/werift`: the WebRTC pieces built on werift (the WHIP client,
// the DTLS patch). Kept out of the library's index so apps without WebRTC (ingest, transcode, edge) do not
// bundle werift.
export * from './webrtc';
