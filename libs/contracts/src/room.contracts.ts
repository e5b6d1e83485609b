import { z } from 'zod';
import { DeviceIdSchema, DeviceInputCommandSchema } from './capture.contracts';
import { displayTextSchema } from './display-text';

/**
 * Room signalling over `ws://HOST:8083/rooms/{roomId}?token=…`: one JSON
 * message per WebSocket frame, discriminated by `type`. SDP is offer/answer
 * with the client always offering (publish: send-only sections; subscribe:
 * receive-only sections, one per wanted producer, in order). Application
 * messages travel on the room's data channel: a client adds an
 * m=application section to any offer, and what it sends there reaches every
 * other participant's channel as `{"from": participantId, "data": …}`.
 */

export const RoomIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 _ -');
/** Shown to the other participants: the same rules as stream names. */
export const ParticipantIdentitySchema = displayTextSchema({ max: 64, required: true });

export const RoomGrantsSchema = z.object({
  publish: z.boolean().default(true),
  subscribe: z.boolean().default(true),
  /** May mute other participants' producers and send remote input to devices in the room. */
  control: z.boolean().default(false),
});
export type RoomGrants = z.infer<typeof RoomGrantsSchema>;

const requestId = z.string().min(1).max(64);
const sdp = z
  .string()
  .min(1)
  .max(64 * 1024);
const producerId = z.string().min(1).max(64);

export const RoomClientMessageSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('publish'), requestId, sdp }),
  z.object({ type: z.literal('subscribe'), requestId, producerIds: z.array(producerId).max(32), sdp }),
  z.object({ type: z.literal('unsubscribe'), requestId, subscriptionId: z.string().min(1).max(64) }),
  z.object({ type: z.literal('mute'), requestId, producerId, muted: z.boolean() }),
  z.object({ type: z.literal('leave') }),
]);
export type RoomClientMessage = z.infer<typeof RoomClientMessageSchema>;

export const RoomProducerSchema = z.object({ producerId, kind: z.enum(['audio', 'video']), muted: z.boolean() });
export type RoomProducer = z.infer<typeof RoomProducerSchema>;
export const RoomParticipantSchema = z.object({ participantId: z.string(), identity: ParticipantIdentitySchema, producers: z.array(RoomProducerSchema) });
export type RoomParticipant = z.infer<typeof RoomParticipantSchema>;

export const RoomErrorCodeSchema = z.enum(['bad_message', 'forbidden', 'not_found', 'bad_offer', 'limit', 'internal']);

export const RoomServerMessageSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('joined'),
    roomId: RoomIdSchema,
    participantId: z.string(),
    identity: ParticipantIdentitySchema,
    grants: RoomGrantsSchema,
    participants: z.array(RoomParticipantSchema),
  }),
  z.object({ type: z.literal('published'), requestId, sdp, producers: z.array(RoomProducerSchema) }),
  z.object({
    type: z.literal('subscribed'),
    requestId,
    subscriptionId: z.string(),
    sdp,
    consumers: z.array(z.object({ consumerId: z.string(), producerId, kind: z.enum(['audio', 'video']) })),
  }),
  z.object({ type: z.literal('ok'), requestId }),
  z.object({ type: z.literal('participant-joined'), participant: RoomParticipantSchema }),
  z.object({ type: z.literal('participant-left'), participantId: z.string() }),
  z.object({ type: z.literal('producer-added'), participantId: z.string(), producer: RoomProducerSchema }),
  z.object({ type: z.literal('producer-removed'), participantId: z.string(), producerId }),
  z.object({ type: z.literal('producer-muted'), participantId: z.string(), producerId, muted: z.boolean() }),
  z.object({ type: z.literal('error'), requestId: requestId.optional(), code: RoomErrorCodeSchema, message: z.string() }),
]);
export type RoomServerMessage = z.infer<typeof RoomServerMessageSchema>;

/** `POST /api/v1/rooms/{roomId}/tokens` body. */
export const RoomTokenRequestSchema = z.object({
  identity: ParticipantIdentitySchema,
  grants: RoomGrantsSchema.default({ publish: true, subscribe: true, control: false }),
  ttlSeconds: z
    .number()
    .int()
    .min(10)
    .max(7 * 24 * 3600)
    .default(3600),
});

/*
 * Remote input over a room's data channel. A device's room is the room whose
 * id is the device id (both share the grammar): a participant of room `X`
 * holding the `control` grant sends `{"type":"device-input", ...}` on the data
 * channel and the SFU forwards the command to the device's agent
 * (`capture.v1.device.X.input`); the message is not relayed to the other
 * participants. The sender alone gets the result on its channel as
 * `{"from":"sfu","data":<DeviceInputResult>}`. Any other message is relayed
 * as before.
 */
export const DEVICE_INPUT_RESULT_SENDER = 'sfu';

export const RoomDeviceInputMessageSchema = z.object({
  type: z.literal('device-input'),
  /** Echoed in the result so a client can match it. */
  requestId: z.string().min(1).max(64).optional(),
  deviceId: DeviceIdSchema,
  command: DeviceInputCommandSchema,
});
export type RoomDeviceInputMessage = z.infer<typeof RoomDeviceInputMessageSchema>;

export const DeviceInputResultSchema = z.object({
  type: z.literal('device-input-result'),
  requestId: z.string().optional(),
  ok: z.boolean(),
  /** When refused or failed: forbidden (no control grant, not this room's device), rate_limited, bad_message, unavailable (the agent did not answer), failed. */
  code: z.enum(['forbidden', 'rate_limited', 'bad_message', 'not_found', 'unavailable', 'failed']).optional(),
  message: z.string().optional(),
});
export type DeviceInputResult = z.infer<typeof DeviceInputResultSchema>;
