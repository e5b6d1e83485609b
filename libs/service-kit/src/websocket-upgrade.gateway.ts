import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { refuseUpgrade } from './refuse-upgrade';

/** What a gateway decides about an upgrade request, before the upgrade happens. */
export type UpgradeDecision = { refuse: { status: number; message: string } } | { accept: (ws: WebSocket, socket: Duplex) => void };

export const refuseWith = (status: number, message: string): UpgradeDecision => ({ refuse: { status, message } });

export interface WebSocketRoute {
  /** The paths served; the match goes to `decide`. */
  path: RegExp;
  /** The 404 message for any other path. */
  notFound: string;
  /** Largest frame a client may send; a hostile client cannot make us buffer more. */
  maxPayload: number;
}

/**
 * A socket's error listener, for as long as the socket lives. Not a closure in onUpgrade: that would keep
 * the upgrade request and its `head` (a slice of the whole read buffer) with every open WebSocket (heap
 * snapshot with 200 WebSocket-FLV viewers: ~2.4 KB each).
 */
function destroySocket(this: Duplex): void {
  this.destroy();
}

/**
 * One WebSocket route on the app's own HTTP server (the raw server's 'upgrade'
 * event, `ws` in noServer mode), so it shares the HTTP port as PLATFORM.md
 * says. Every check runs before the upgrade, and a refusal is a plain HTTP
 * error with the platform's JSON body (refuseUpgrade), which browsers and
 * players can read; a malformed URL is a 400, another path a 404.
 */
export abstract class WebSocketUpgradeGateway implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly wss: WebSocketServer;
  private server?: Server;

  protected constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly route: WebSocketRoute,
  ) {
    this.wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: route.maxPayload, clientTracking: false });
  }

  /** Authorizes the request at `url` (path already matched) and says how to serve the socket (may look things up first). */
  protected abstract decide(req: IncomingMessage, url: URL, match: RegExpExecArray): UpgradeDecision | Promise<UpgradeDecision>;

  onApplicationBootstrap(): void {
    this.server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    this.server.on('upgrade', this.onUpgrade);
  }

  onModuleDestroy(): void {
    this.server?.off('upgrade', this.onUpgrade);
    this.wss.close();
  }

  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', destroySocket);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return refuseUpgrade(socket, 400, 'malformed URL');
    }
    const match = this.route.path.exec(url.pathname);
    if (!match) return refuseUpgrade(socket, 404, this.route.notFound);
    const decision = this.decide(req, url, match);
    if (!(decision instanceof Promise)) return this.complete(req, socket, head, decision);
    decision.then(
      (decided) => this.complete(req, socket, head, decided),
      () => refuseUpgrade(socket, 500, 'internal error'),
    );
  };

  private complete(req: IncomingMessage, socket: Duplex, head: Buffer, decision: UpgradeDecision): void {
    // The client may have gone while an asynchronous decision was made (a decide that reserves
    // anything checks req.socket.destroyed after its last await, so nothing is held here).
    if (socket.destroyed) return;
    if ('refuse' in decision) return refuseUpgrade(socket, decision.refuse.status, decision.refuse.message);
    this.wss.handleUpgrade(req, socket, head, (ws) => decision.accept(ws, socket));
  }
}
