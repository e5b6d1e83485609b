import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { PublishProtocol } from '@mediaplane/contracts';
import { RtmpProtocolError, RtmpServerConnection, type RtmpServerConnectionOptions } from '@mediaplane/media-io';
import type { Logger } from '@mediaplane/observability';
import { APP_CONFIG, HeartbeatService, LOGGER, ReadinessService, ShutdownService } from '@mediaplane/service-kit';
import type { IngestConfig } from '../ingest.config';
import { normalizeAddress, type HeldConnection } from '@mediaplane/sessions';
import { MediaConnectionsService } from '../limits/media-connections.service';
import { IngestMetrics } from '../observability/ingest-metrics';
import { RtmpPlayHandler } from './rtmp-play.handler';
import { RtmpPublishHandler } from './rtmp-publish.handler';

interface Listener {
  protocol: PublishProtocol & ('rtmp' | 'rtmps');
  server: Server;
  port?: number;
}

/**
 * The RTMP (and, with a certificate, RTMPS) listeners. Each accepted socket
 * passes the connection limits, then becomes an RtmpServerConnection with
 * the configured timeouts and protocol limits; its publish and play requests
 * go to the handlers. Whatever a connection does wrong closes that
 * connection only, with its reason logged and counted.
 */
@Injectable()
export class RtmpServerService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly listeners: Listener[] = [];
  private readonly connections = new Set<RtmpServerConnection>();
  private readonly connectionOptions: RtmpServerConnectionOptions;

  constructor(
    @Inject(APP_CONFIG) private readonly config: IngestConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly limits: MediaConnectionsService,
    private readonly metrics: IngestMetrics,
    private readonly publishHandler: RtmpPublishHandler,
    private readonly playHandler: RtmpPlayHandler,
    private readonly heartbeat: HeartbeatService,
    private readonly readiness: ReadinessService,
    private readonly shutdown: ShutdownService,
  ) {
    this.connectionOptions = {
      handshakeTimeoutMs: config.INGEST_HANDSHAKE_TIMEOUT_MS,
      setupTimeoutMs: config.INGEST_SETUP_TIMEOUT_MS,
      idleTimeoutMs: config.INGEST_IDLE_TIMEOUT_MS,
      // The socket buffer is the viewer queue the hub bounds; this is only the engine's last-resort cap above it.
      maxWriteBufferBytes: config.INGEST_VIEWER_QUEUE_BYTES * 2 + config.INGEST_GOP_CACHE_MAX_BYTES + 1024 * 1024,
    };
  }

  /** Bound ports by protocol (tests and heartbeats read them). */
  get ports(): Partial<Record<'rtmp' | 'rtmps', number>> {
    return Object.fromEntries(this.listeners.filter((l) => l.port !== undefined).map((l) => [l.protocol, l.port]));
  }

  async onApplicationBootstrap(): Promise<void> {
    const host = this.config.INGEST_RTMP_HOST ?? this.config.MEDIAPLANE_HTTP_HOST;
    const rtmp = createServer({ noDelay: true }, (socket) => this.onSocket(socket, 'rtmp'));
    await this.listen({ protocol: 'rtmp', server: rtmp }, host, this.config.INGEST_RTMP_PORT);
    if (this.config.INGEST_TLS_CERT_FILE && this.config.INGEST_TLS_KEY_FILE) {
      const rtmps = createTlsServer({
        cert: readFileSync(this.config.INGEST_TLS_CERT_FILE),
        key: readFileSync(this.config.INGEST_TLS_KEY_FILE),
        handshakeTimeout: this.config.INGEST_HANDSHAKE_TIMEOUT_MS,
        minVersion: 'TLSv1.2',
      });
      // Limits apply from the TCP accept, before any TLS work is spent on the peer.
      rtmps.on('connection', (socket: Socket) => this.limitRawSocket(socket, 'rtmps'));
      rtmps.on('secureConnection', (socket: TLSSocket) => this.onSocket(socket, 'rtmps', true));
      rtmps.on('tlsClientError', (error, socket) => {
        this.metrics.protocolErrors.inc({ code: 'tls-error' });
        this.logger.info({ remoteAddress: normalizeAddress(socket.remoteAddress), reason: error.message }, 'rtmps connection closed: TLS handshake failed');
      });
      await this.listen({ protocol: 'rtmps', server: rtmps }, host, this.config.INGEST_RTMPS_PORT);
    }
    this.readiness.addCheck('rtmp-listeners', () => this.listeners.every((l) => l.server.listening));
    this.shutdown.onDrain('rtmp-listeners', async () => {
      this.stopAccepting();
      // Publishers are ended by the publish drain; close what is left (players, connections still in setup).
      for (const connection of this.connections) connection.close('server shutting down');
    });
  }

  onModuleDestroy(): void {
    this.stopAccepting();
    for (const connection of this.connections) connection.close('server stopped');
  }

  stopAccepting(): void {
    for (const { server } of this.listeners) if (server.listening) server.close();
  }

  private async listen(listener: Listener, host: string, port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      listener.server.once('error', reject);
      listener.server.listen(port, host, () => {
        listener.server.off('error', reject);
        resolve();
      });
    });
    listener.server.on('error', (error) => this.logger.error({ err: error, protocol: listener.protocol }, 'listener error'));
    const address = listener.server.address();
    listener.port = typeof address === 'object' && address ? address.port : port;
    this.listeners.push(listener);
    this.heartbeat.setPort(listener.protocol, listener.port);
    this.logger.info({ protocol: listener.protocol, host, port: listener.port }, 'listening');
  }

  private readonly rawGrants = new WeakMap<Socket, HeldConnection>();

  private limitRawSocket(socket: Socket, listener: 'rtmp' | 'rtmps'): boolean {
    const grant = this.limits.acquire(listener, socket.remoteAddress);
    if (!grant.ok) {
      this.logger.info({ remoteAddress: normalizeAddress(socket.remoteAddress), reason: grant.reason, listener }, 'connection refused');
      socket.destroy();
      return false;
    }
    this.rawGrants.set(socket, grant);
    socket.once('close', () => grant.release());
    return true;
  }

  private onSocket(socket: Socket, protocol: 'rtmp' | 'rtmps', limited = false): void {
    socket.on('error', () => undefined);
    if (!limited && !this.limitRawSocket(socket, protocol)) return;
    const remoteAddress = normalizeAddress(socket.remoteAddress);
    const connection = new RtmpServerConnection(socket, this.connectionOptions);
    this.connections.add(connection);
    connection.on('publish', (request) => {
      this.publishHandler.handle(connection, request, protocol).catch((error: unknown) => {
        this.logger.error({ err: error, remoteAddress }, 'publish handling failed');
        request.reject({ description: 'internal error' });
      });
    });
    connection.on('play', (request) => {
      this.playHandler.handle(connection, request).catch((error: unknown) => {
        this.logger.error({ err: error, remoteAddress }, 'play handling failed');
        request.reject({ code: 'NetStream.Play.Failed', description: 'internal error' });
      });
    });
    connection.on('error', (error) => {
      const code = error instanceof RtmpProtocolError ? error.code : 'internal';
      this.metrics.protocolErrors.inc({ code });
    });
    connection.once('close', (info) => {
      this.connections.delete(connection);
      // The TLS socket wraps the raw one; its release is on the raw socket's close, which follows.
      this.rawGrants.get(socket)?.release();
      const level = info.error && info.error instanceof RtmpProtocolError ? 'info' : 'debug';
      this.logger[level]({ remoteAddress, protocol, reason: info.reason }, 'rtmp connection closed');
    });
  }
}
