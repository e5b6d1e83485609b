import { BadRequestException, HttpException, HttpStatus, UnsupportedMediaTypeException } from '@nestjs/common';
import type { Request, Response } from 'express';

/** WHIP/WHEP are called from web pages on any origin: the resource headers must be readable there. */
export const WEBRTC_CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'POST, PATCH, DELETE, OPTIONS',
  'Access-Control-Allow-Headers': 'Authorization, Content-Type, If-Match',
  'Access-Control-Expose-Headers': 'Location, ETag, Link, Accept-Patch',
  'Access-Control-Max-Age': '86400',
} as const;

export const SDP_CONTENT_TYPE = 'application/sdp';
export const TRICKLE_CONTENT_TYPE = 'application/trickle-ice-sdpfrag';

/**
 * The SDP body of a WHIP/WHEP request (parsed as text by the app's body
 * parser, which already refused bodies over SFU_MAX_SDP_BYTES with 413).
 */
export function readSdpBody(req: Request, contentType: string, maxBytes: number): string {
  if (!req.is(contentType)) throw new UnsupportedMediaTypeException(`Content-Type must be ${contentType}`);
  const body: unknown = req.body;
  if (typeof body !== 'string' || body.length === 0) throw new BadRequestException(`the body must be an ${contentType} document`);
  if (Buffer.byteLength(body) > maxBytes) throw new HttpException(`the body is over ${maxBytes} bytes`, HttpStatus.PAYLOAD_TOO_LARGE);
  return body;
}

/** A quick shape check before an engine sees the offer: SDP starts with v=0 and has media sections. */
export function assertSdpOffer(sdp: string): void {
  if (!/^v=0\r?\n/.test(sdp)) throw new BadRequestException('the offer is not SDP (it must start with v=0)');
  if (!/\r?\nm=/.test(sdp)) throw new BadRequestException('the offer has no media section');
}

export interface TrickleFragment {
  iceUfrag?: string;
  candidates: string[];
}

/**
 * Reads a trickle-ice-sdpfrag (RFC 8840): the ICE ufrag and the
 * `a=candidate:` lines, at most `maxCandidates` of them.
 */
export function parseTrickleFragment(fragment: string, maxCandidates: number): TrickleFragment {
  const candidates: string[] = [];
  let iceUfrag: string | undefined;
  for (const raw of fragment.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('a=ice-ufrag:')) iceUfrag = line.slice('a=ice-ufrag:'.length);
    else if (line.startsWith('a=candidate:')) {
      if (candidates.length >= maxCandidates) throw new BadRequestException(`at most ${maxCandidates} candidates per PATCH`);
      if (line.length > 512) throw new BadRequestException('a candidate line is over 512 characters');
      candidates.push(line.slice(2));
    }
  }
  return { ...(iceUfrag ? { iceUfrag } : {}), candidates };
}

/** The ICE ufrag of an offer, to tell a trickle from an ICE restart. */
export function offerIceUfrag(sdp: string): string | undefined {
  return /^a=ice-ufrag:(\S+)/m.exec(sdp)?.[1];
}

/** 201 with the answer, the session resource and its entity tag, as WHIP/WHEP prescribe. */
export function sendAnswer(res: Response, answerSdp: string, location: string, etag: string): void {
  res
    .status(201)
    .set({ ...WEBRTC_CORS_HEADERS, 'Content-Type': SDP_CONTENT_TYPE, Location: location, ETag: `"${etag}"`, 'Accept-Patch': TRICKLE_CONTENT_TYPE })
    .send(answerSdp);
}

/** If-Match must name the session when it is sent (RFC 9725 §4.3.1). */
export function assertIfMatch(req: Request, etag: string): void {
  const ifMatch = req.header('if-match');
  if (ifMatch && ifMatch !== '*' && ifMatch !== `"${etag}"`) throw new HttpException('If-Match does not match this session', HttpStatus.PRECONDITION_FAILED);
}

/** The SDP offer of a WHIP/WHEP POST: the right Content-Type, within the size limit, shaped like SDP. */
export function readOffer(req: Request, maxBytes: number): string {
  const offer = readSdpBody(req, SDP_CONTENT_TYPE, maxBytes);
  assertSdpOffer(offer);
  return offer;
}

/** The trickle PATCH of a WHIP/WHEP session: If-Match checked against the session, then its candidates within the limits. */
export function readTrickle(req: Request, etag: string, limits: { maxBytes: number; maxCandidates: number }): TrickleFragment {
  assertIfMatch(req, etag);
  return parseTrickleFragment(readSdpBody(req, TRICKLE_CONTENT_TYPE, limits.maxBytes), limits.maxCandidates);
}
