import { Module } from '@nestjs/common';
import { RtcEngineHost } from './rtc-engine-host.service';

/** The node's WebRTC engine (mediasoup or werift), started before anything serves. */
@Module({ providers: [RtcEngineHost], exports: [RtcEngineHost] })
export class EngineModule {}
