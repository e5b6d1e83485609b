import { amf0Properties, type Amf0Limits, type Amf0Value } from '@mediaplane/codecs';
import { splitRtmpAggregateMessage } from './rtmp-aggregate-message';
import {
  createRtmpCommandMessage,
  createRtmpDataMessage,
  createRtmpStatusMessage,
  parseRtmpCommand,
  truncate,
  type RtmpCommand,
  type RtmpStatusInfo,
} from './rtmp-command-messages';
import { RtmpChunkStreamId, RtmpMessageType } from './rtmp-constants';
import { parseRtmpEnhancedCapabilities, rtmpServerEnhancedProperties } from './rtmp-enhanced-capabilities';
import { createUserControlMessage } from './rtmp-control-messages';
import { RtmpProtocolError } from './rtmp-errors';
import type { RtmpMessage } from './rtmp-message';
import { readRtmpPublisherData } from './rtmp-publisher-data';
import type {
  RtmpConnectInfo,
  RtmpPlayRequest,
  RtmpPublishRequest,
  RtmpPublishType,
  RtmpRejectOptions,
  RtmpSafeEmit,
  RtmpStreamEndInfo,
} from './rtmp-server-connection-types';
import type { RtmpServerTransport } from './rtmp-server-transport';
import { parseRtmpAppName, parseRtmpStreamName, type RtmpNameLimits } from './rtmp-stream-name';

/** What a client-created message stream is doing. */
interface StreamSlot {
  state: 'idle' | 'publish-pending' | 'publishing' | 'play-pending' | 'playing';
  name: string;
}

const PUBLISH_TYPES: readonly RtmpPublishType[] = ['live', 'record', 'append', 'appendWithGap'];

/**
 * The NetConnection and NetStream side of a server connection: connect,
 * createStream, publish and play (each decided by the app through a request
 * with accept/reject), FCPublish and friends, stream ends, and routing of a
 * publisher's media and data messages. Bytes go through the transport.
 */
export class RtmpServerCommands {
  private readonly streams = new Map<number, StreamSlot>();
  private connectDetails: RtmpConnectInfo | undefined;
  private nextStreamId = 1;

  constructor(
    private readonly transport: RtmpServerTransport,
    private readonly emit: RtmpSafeEmit,
    private readonly limits: { maxStreams: number; amf?: Partial<Amf0Limits>; names: RtmpNameLimits },
  ) {}

  get connectInfo(): RtmpConnectInfo | undefined {
    return this.connectDetails;
  }

  /** Stream id of the (first) accepted play, if any. */
  get playStreamId(): number | undefined {
    for (const [id, slot] of this.streams) if (slot.state === 'playing') return id;
    return undefined;
  }

  streamName(streamId: number): string {
    return this.streams.get(streamId)?.name ?? '';
  }

  sendStatus(streamId: number, info: RtmpStatusInfo): boolean {
    return this.transport.send(createRtmpStatusMessage(streamId, info), RtmpChunkStreamId.Command);
  }

  /** Every message the transport does not handle itself. */
  onMessage(message: RtmpMessage): void {
    switch (message.typeId) {
      case RtmpMessageType.Audio:
      case RtmpMessageType.Video:
        return this.onMedia(message);
      case RtmpMessageType.DataAmf0:
      case RtmpMessageType.DataAmf3:
        return this.onDataMessage(message);
      case RtmpMessageType.CommandAmf0:
      case RtmpMessageType.CommandAmf3:
        return this.onCommand(parseRtmpCommand(message, this.limits.amf));
      case RtmpMessageType.Aggregate:
        return this.onAggregate(message);
      default:
        // Set Peer Bandwidth, shared objects and unknown types carry nothing we act on.
        return;
    }
  }

  /** The connection closed: publishes and plays still running end with reason 'close'. */
  endAll(): void {
    for (const [streamId, slot] of this.streams) {
      if (slot.state === 'publishing' || slot.state === 'playing') this.endStream(streamId, 'close', false);
    }
  }

  // ---- media and data from a publisher ----

  private onMedia(message: RtmpMessage): void {
    // Media before the publish decision (or on other streams) is dropped; real encoders wait for Publish.Start.
    if (this.streams.get(message.streamId)?.state !== 'publishing') return;
    this.emit('media', {
      type: message.typeId === RtmpMessageType.Audio ? 'audio' : 'video',
      streamId: message.streamId,
      timestamp: message.timestamp,
      payload: message.payload,
    });
  }

  private onAggregate(message: RtmpMessage): void {
    if (this.streams.get(message.streamId)?.state !== 'publishing') return;
    for (const part of splitRtmpAggregateMessage(message)) {
      if (this.transport.isClosed) return;
      // Only media and data may be nested; commands or control inside an aggregate are not meaningful.
      if (part.typeId === RtmpMessageType.Audio || part.typeId === RtmpMessageType.Video) this.onMedia(part);
      else if (part.typeId === RtmpMessageType.DataAmf0) this.onDataMessage(part);
    }
  }

  private onDataMessage(message: RtmpMessage): void {
    if (this.streams.get(message.streamId)?.state !== 'publishing') return;
    const read = readRtmpPublisherData(message, this.limits.amf);
    if (read?.kind === 'metadata') this.emit('metadata', read.metadata);
    else if (read?.kind === 'data') this.emit('data', read.data);
  }

  // ---- commands ----

  private onCommand(command: RtmpCommand): void {
    if (command.name === 'connect') return this.onConnect(command);
    if (this.connectDetails === undefined) {
      throw new RtmpProtocolError('command-invalid', `command ${truncate(command.name)} before connect`);
    }
    switch (command.name) {
      case 'createStream':
        return this.onCreateStream(command);
      case 'publish':
        return this.onPublish(command, this.connectDetails);
      case 'play':
        return this.onPlay(command, this.connectDetails);
      case 'FCPublish':
        return this.onFcPublish(command);
      case 'FCUnpublish':
        return this.onFcUnpublish(command);
      case 'releaseStream':
      case '_checkbw':
        return this.replyResult(command.transactionId, undefined);
      case 'getStreamLength':
        // Live streams have no length; FFmpeg asks before playing and only logs the answer.
        return this.replyResult(command.transactionId, 0);
      case 'closeStream':
        return this.endStream(command.streamId, 'closeStream', false);
      case 'deleteStream': {
        const id = command.args[0];
        if (typeof id === 'number') this.endStream(id, 'deleteStream', true);
        return;
      }
      case '_result':
      case '_error':
      case 'onStatus':
        return; // replies to calls we never make, or client-side notifications
      default:
        // Not answered with _error on purpose: FFmpeg aborts on _error for calls it tracks.
        this.emit('command', command);
    }
  }

  private onConnect(command: RtmpCommand): void {
    if (this.connectDetails !== undefined) throw new RtmpProtocolError('command-invalid', 'second connect on one connection');
    const object = amf0Properties(command.commandObject);
    const rawApp = object?.['app'];
    if (object === undefined || typeof rawApp !== 'string') {
      throw new RtmpProtocolError('command-invalid', 'connect without an app');
    }
    let app;
    try {
      app = parseRtmpAppName(rawApp, this.limits.names);
    } catch (error) {
      if (!(error instanceof RtmpProtocolError)) throw error;
      this.sendCommand(createRtmpCommandMessage(0, '_error', command.transactionId, null, errorInfo('NetConnection.Connect.Rejected', error.message)));
      this.transport.fail(error);
      return;
    }
    const info: RtmpConnectInfo = {
      app: app.name,
      appQuery: app.query,
      tcUrl: optionalString(object['tcUrl']),
      flashVer: optionalString(object['flashVer']),
      swfUrl: optionalString(object['swfUrl']),
      pageUrl: optionalString(object['pageUrl']),
      enhanced: parseRtmpEnhancedCapabilities(object),
      commandObject: object,
    };
    this.connectDetails = info;
    this.transport.withCork(() => {
      this.transport.sendSessionParameters();
      // E-RTMP capability exchange: what we relay, for clients that look (legacy clients skip unknown properties).
      const properties = { fmsVer: 'FMS/3,0,1,123', capabilities: 31, mode: 1, ...rtmpServerEnhancedProperties() };
      // We only speak AMF0, so we never echo a client's request for AMF3.
      const success = { level: 'status', code: 'NetConnection.Connect.Success', description: 'Connection succeeded.', objectEncoding: 0 };
      this.sendCommand(createRtmpCommandMessage(0, '_result', command.transactionId, properties, success));
    });
    this.emit('connect', info);
  }

  private onCreateStream(command: RtmpCommand): void {
    const max = this.limits.maxStreams;
    if (this.streams.size >= max) {
      this.sendCommand(
        createRtmpCommandMessage(0, '_error', command.transactionId, null, errorInfo('NetConnection.Call.Failed', `at most ${max} streams per connection`)),
      );
      throw new RtmpProtocolError('too-many-streams', `client created more than ${max} streams`);
    }
    // Ids start at 1 on every connection, so all viewers of one stream share the id and fan-out bytes match.
    const id = this.nextStreamId++;
    this.streams.set(id, { state: 'idle', name: '' });
    this.replyResult(command.transactionId, id);
  }

  private onFcPublish(command: RtmpCommand): void {
    const name = command.args[0];
    this.transport.withCork(() => {
      if (typeof name === 'string') {
        this.sendCommand(createRtmpCommandMessage(0, 'onFCPublish', 0, null, { level: 'status', code: 'NetStream.Publish.Start', description: name }));
      }
      this.replyResult(command.transactionId, undefined);
    });
  }

  private onFcUnpublish(command: RtmpCommand): void {
    const raw = command.args[0];
    const name = typeof raw === 'string' ? raw.split('?')[0] : undefined;
    for (const [id, slot] of this.streams) {
      if (slot.state === 'publishing' && slot.name === name) this.endStream(id, 'FCUnpublish', false);
    }
    this.transport.withCork(() => {
      if (typeof raw === 'string') {
        const info = { level: 'status', code: 'NetStream.Unpublish.Success', description: raw.slice(0, 256) };
        this.sendCommand(createRtmpCommandMessage(0, 'onFCUnpublish', 0, null, info));
      }
      this.replyResult(command.transactionId, undefined);
    });
  }

  private onPublish(command: RtmpCommand, connect: RtmpConnectInfo): void {
    const streamId = command.streamId;
    this.transport.markSetupDone();
    const failCode = 'NetStream.Publish.BadName';
    const claimed = this.claimStreamSlot(streamId, command.args[0], failCode, 'publish-pending');
    if (!claimed) return;
    const { slot, parsed } = claimed;
    const rawType = command.args[1];
    const decision = this.decision(streamId, slot, 'publish-pending', failCode, 'Publish rejected.');
    const request: RtmpPublishRequest = {
      app: connect.app,
      appQuery: connect.appQuery,
      tcUrl: connect.tcUrl,
      streamName: parsed.name,
      query: parsed.query,
      streamId,
      publishType: PUBLISH_TYPES.find((t) => t === rawType) ?? 'live',
      accept: () =>
        decision.accept('publishing', () => {
          this.transport.sendControl(createUserControlMessage({ type: 'streamBegin', streamId }));
          this.sendStatus(streamId, {
            level: 'status',
            code: 'NetStream.Publish.Start',
            description: `${parsed.name} is now published.`,
            details: parsed.name,
          });
        }),
      reject: decision.reject,
    };
    if (!this.emit('publish', request)) request.reject({ description: 'No publish handler.' });
  }

  private onPlay(command: RtmpCommand, connect: RtmpConnectInfo): void {
    const streamId = command.streamId;
    this.transport.markSetupDone();
    const [rawName, rawStart, rawDuration, rawReset] = command.args;
    const failCode = 'NetStream.Play.StreamNotFound';
    const claimed = this.claimStreamSlot(streamId, rawName, failCode, 'play-pending');
    if (!claimed) return;
    const { slot, parsed } = claimed;
    const decision = this.decision(streamId, slot, 'play-pending', failCode, 'Play rejected.');
    const name = parsed.name;
    const request: RtmpPlayRequest = {
      app: connect.app,
      appQuery: connect.appQuery,
      tcUrl: connect.tcUrl,
      streamName: name,
      query: parsed.query,
      streamId,
      start: typeof rawStart === 'number' ? rawStart : -2,
      duration: typeof rawDuration === 'number' ? rawDuration : -1,
      reset: typeof rawReset === 'boolean' ? rawReset : true,
      accept: () =>
        decision.accept('playing', () => {
          this.transport.sendControl(createUserControlMessage({ type: 'streamBegin', streamId }));
          this.sendStatus(streamId, { level: 'status', code: 'NetStream.Play.Reset', description: `Playing and resetting ${name}.`, details: name });
          this.sendStatus(streamId, { level: 'status', code: 'NetStream.Play.Start', description: `Started playing ${name}.`, details: name });
          // Lets Flash-based players access the raw audio/video data.
          this.transport.send(createRtmpDataMessage(streamId, 0, '|RtmpSampleAccess', true, true), RtmpChunkStreamId.Data);
        }),
      reject: decision.reject,
    };
    if (!this.emit('play', request)) request.reject({ description: 'No play handler.' });
  }

  /** The accept/reject pair of a publish or play request: the first call decides, later ones do nothing. */
  private decision(streamId: number, slot: StreamSlot, pending: StreamSlot['state'], failCode: string, rejected: string) {
    let decided = false;
    return {
      accept: (next: 'publishing' | 'playing', announce: () => void): void => {
        if (decided || this.transport.isClosed || slot.state !== pending) return;
        decided = true;
        slot.state = next;
        this.transport.withCork(announce);
      },
      reject: (options?: RtmpRejectOptions): void => {
        if (decided) return;
        decided = true;
        this.rejectStream(streamId, { code: options?.code ?? failCode, description: options?.description ?? rejected });
      },
    };
  }

  /**
   * Common first step of publish and play: the stream id must have been
   * created and be idle, and the name must pass the name limits. Rejects the
   * stream with `failCode` otherwise.
   */
  private claimStreamSlot(
    streamId: number,
    rawName: unknown,
    failCode: string,
    pending: 'publish-pending' | 'play-pending',
  ): { slot: StreamSlot; parsed: ReturnType<typeof parseRtmpStreamName> } | undefined {
    const slot = this.streams.get(streamId);
    if (slot === undefined || slot.state !== 'idle') {
      this.rejectStream(streamId, { code: failCode, description: `stream ${streamId} was not created or is in use` });
      return undefined;
    }
    if (typeof rawName !== 'string') {
      this.rejectStream(streamId, { code: failCode, description: 'missing stream name' });
      return undefined;
    }
    try {
      const parsed = parseRtmpStreamName(rawName, this.limits.names);
      slot.state = pending;
      slot.name = parsed.name;
      return { slot, parsed };
    } catch (error) {
      if (!(error instanceof RtmpProtocolError)) throw error;
      this.rejectStream(streamId, { code: failCode, description: error.message });
      return undefined;
    }
  }

  /** Sends an error onStatus for the stream, then closes the connection gracefully. */
  private rejectStream(streamId: number, options: Required<RtmpRejectOptions>): void {
    if (this.transport.isClosed) return;
    const slot = this.streams.get(streamId);
    if (slot !== undefined) slot.state = 'idle';
    this.sendStatus(streamId, { level: 'error', code: options.code, description: options.description });
    this.transport.close(`rejected (${options.code}): ${options.description}`);
  }

  /** Ends a publish/play on a stream; `remove` also frees the stream id (deleteStream). */
  private endStream(streamId: number, reason: RtmpStreamEndInfo['reason'], remove: boolean): void {
    const slot = this.streams.get(streamId);
    if (slot === undefined) return;
    const wasState = slot.state;
    slot.state = 'idle';
    if (remove) this.streams.delete(streamId);
    const info: RtmpStreamEndInfo = { streamId, streamName: slot.name, reason };
    if (wasState === 'publishing') this.emit('unpublish', info);
    else if (wasState === 'playing') this.emit('playStop', info);
  }

  private replyResult(transactionId: number, value: Amf0Value): void {
    // Transaction id 0 means the client expects no answer.
    if (transactionId === 0) return;
    this.sendCommand(createRtmpCommandMessage(0, '_result', transactionId, null, value));
  }

  private sendCommand(message: RtmpMessage): boolean {
    return this.transport.send(message, RtmpChunkStreamId.Command);
  }
}

function errorInfo(code: string, description: string): Amf0Value {
  return { level: 'error', code, description };
}

function optionalString(value: Amf0Value): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
