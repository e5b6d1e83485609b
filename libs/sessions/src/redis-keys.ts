/**
 * The platform's Redis key layout, in one place: every key is
 * `{namespace}:{family}:{parts…}` built by `redisKey`, and each store family
 * has one builder here, so a store never spells a key by hand and two
 * services reading the same family cannot disagree on its shape.
 */
export function redisKey(namespace: string, ...parts: string[]): string {
  return [namespace, ...parts].join(':');
}

/** Who publishes what (LiveStreamStore): one entry per live stream plus an index of ids. */
export function liveStreamKeys(namespace: string) {
  return {
    entry: (streamId: string) => redisKey(namespace, 'live', streamId),
    index: redisKey(namespace, 'live-index'),
    /** Set by the API's takeover; the next authorized publisher of the stream consumes it. */
    takeover: (streamId: string) => redisKey(namespace, 'takeover', streamId),
  };
}

/** The cluster view (NodeRegistry): one entry per instance plus a sorted set of expiries. */
export function nodeRegistryKeys(namespace: string) {
  return {
    entry: (instanceId: string) => redisKey(namespace, 'node', instanceId),
    index: redisKey(namespace, 'nodes'),
  };
}

/** HLS viewer shares per stream, one hash field per edge (HlsViewerStore). */
export function hlsViewerKeys(namespace: string) {
  return { stream: (streamId: string) => redisKey(namespace, 'hls-viewers', streamId) };
}

/** The WebRTC bridges of a stream (WebrtcBridgeStore): one hash field per SFU node running one. */
export function webrtcBridgeKeys(namespace: string) {
  return { stream: (streamId: string) => redisKey(namespace, 'webrtc-bridges', streamId) };
}

/**
 * Viewers an ingest node serves from its relay pull of a stream published on
 * another node (RelayViewerStore): per stream and play protocol, one hash
 * field per relaying node.
 */
export function relayViewerKeys(namespace: string) {
  return { stream: (protocol: string, streamId: string) => redisKey(namespace, 'relay-viewers', protocol, streamId) };
}

/**
 * Failed publish attempts per address, counted across every node that takes publishers — ingest (RTMP, RTMPS, SRT)
 * and the SFU (WHIP) — so spreading guesses over nodes or protocols gains nothing.
 */
export function publishAuthKeys(namespace: string) {
  return { failures: (address: string) => redisKey(namespace, 'publish', 'auth-failures', address) };
}

/** Transcode workers' state: the HLS origin edges read, the job lease, the media sequence. */
export function transcodeKeys(namespace: string) {
  return {
    hlsOrigin: (streamId: string) => redisKey(namespace, 'hls-origin', streamId),
    jobLease: (streamId: string) => redisKey(namespace, 'transcode-job', streamId),
    hlsSequence: (streamId: string) => redisKey(namespace, 'hls-seq', streamId),
  };
}

/** The control plane's own state: publish-auth and admin-token failures, latest renditions, webhook delivery logs. */
export function controlPlaneKeys(namespace: string) {
  return {
    authFailures: (address: string) => redisKey(namespace, 'cp', 'auth-failures', address),
    adminAuthFailures: (address: string) => redisKey(namespace, 'cp', 'admin-auth-failures', address),
    renditions: (streamId: string) => redisKey(namespace, 'cp', 'renditions', streamId),
    webhookDeliveries: (webhookId: string, what: 'attempts' | 'failures' | 'stats') => redisKey(namespace, 'cp', 'webhook', webhookId, what),
  };
}

/** Restream outputs (RestreamOutputStore): per stream, a hash of output definitions and one of the runners' last reports. */
export function restreamKeys(namespace: string) {
  return {
    outputs: (streamId: string) => redisKey(namespace, 'restream', 'outputs', streamId),
    reports: (streamId: string) => redisKey(namespace, 'restream', 'reports', streamId),
  };
}

/** Capture agents' device lists (CaptureDeviceStore): one entry per agent with a TTL, an expiry index, and the stream each device publishes to. */
export function captureDeviceKeys(namespace: string) {
  return {
    agent: (agentId: string) => redisKey(namespace, 'capture-agent', agentId),
    index: redisKey(namespace, 'capture-agents'),
    deviceStream: (deviceId: string) => redisKey(namespace, 'capture-stream', deviceId),
  };
}
