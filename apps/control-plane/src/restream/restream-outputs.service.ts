import { BadRequestException, ConflictException, Inject, Injectable, NotFoundException, type OnApplicationBootstrap } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { StreamIdSchema, describeRestreamTarget, restreamContracts, streamContracts, type RestreamOutputView } from '@mediaplane/contracts';
import type { Bus } from '@mediaplane/messaging';
import { counter, type Logger, type Registry } from '@mediaplane/observability';
import { LiveStreamStore, OutboundTargetPolicy, RestreamOutputStore, type RestreamOutputRecord } from '@mediaplane/sessions';
import { APP_CONFIG, BUS, LOGGER, METRICS } from '@mediaplane/service-kit';
import type { ControlPlaneConfig } from '../control-plane.config';
import { StreamStore } from '../streams/stream-store.service';
import { toRestreamOutputView } from './restream-output-view';
import type { CreateRestreamOutputRequest } from './restream.schemas';

/** A report older than this (the worker reports every couple of seconds) no longer says what the output does. */
const STALE_REPORT_MS = 15_000;

/**
 * Restream outputs of a stream: definitions in the RestreamOutputStore (the
 * target URL is a secret: accepted here, never returned or logged), the
 * workers' reports over NATS kept beside them, views with the target
 * redacted.
 */
@Injectable()
export class RestreamOutputsService implements OnApplicationBootstrap {
  private readonly policy: OutboundTargetPolicy;
  private readonly operations;
  private readonly reportsDropped;

  constructor(
    private readonly outputs: RestreamOutputStore,
    private readonly streams: StreamStore,
    private readonly live: LiveStreamStore,
    @Inject(BUS) private readonly bus: Bus,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(METRICS) metrics: Registry,
    @Inject(APP_CONFIG) private readonly config: ControlPlaneConfig,
  ) {
    this.policy = new OutboundTargetPolicy(config.MEDIAPLANE_RESTREAM_ALLOWLIST, 'MEDIAPLANE_RESTREAM_ALLOWLIST');
    this.operations = counter(metrics, 'mediaplane_control_plane_restream_operations_total', 'Restream output API operations that changed state', ['operation']);
    this.reportsDropped = counter(metrics, 'mediaplane_control_plane_restream_reports_dropped_total', 'Restream reports that could not be stored (Redis error)');
  }

  onApplicationBootstrap(): void {
    // One control-plane instance stores each report (queue group); every instance serves it from Redis.
    this.bus.subscribe(restreamContracts.outputReported, async (report) => {
      await this.outputs.saveReport(report).catch(() => this.reportsDropped.inc());
    });
    // A deleted stream's outputs go with it (the delete broadcasts a kick with reason `deleted`).
    this.bus.subscribe(
      streamContracts.streamKick,
      async (command) => {
        if (command.reason === 'deleted' && !(await this.streams.get(command.streamId))) await this.outputs.removeAll(command.streamId);
      },
      { queue: 'control-plane-restream' },
    );
  }

  async list(streamId: string): Promise<{ outputs: RestreamOutputView[]; limit: number }> {
    await this.requireStream(streamId);
    const [records, reports, live] = await Promise.all([this.outputs.list(streamId), this.outputs.reports(streamId), this.live.get(streamId)]);
    return {
      outputs: records.map((r) => toRestreamOutputView(r, reports.get(r.id), live, { staleAfterMs: STALE_REPORT_MS })),
      limit: this.config.CONTROL_PLANE_RESTREAM_MAX_OUTPUTS,
    };
  }

  async create(streamId: string, request: CreateRestreamOutputRequest): Promise<RestreamOutputView> {
    await this.requireStream(streamId);
    const target = describeRestreamTarget(request.url);
    const refusal = await this.policy.refusal(new URL(request.url));
    if (refusal) throw new BadRequestException(`url: ${refusal}`);
    const record: RestreamOutputRecord = {
      id: `out_${randomBytes(9).toString('base64url')}`,
      streamId,
      name: request.name ?? target.host,
      url: request.url,
      enabled: request.enabled,
      createdAt: new Date().toISOString(),
    };
    const limit = this.config.CONTROL_PLANE_RESTREAM_MAX_OUTPUTS;
    if (!(await this.outputs.add(record, limit))) throw new ConflictException(`stream ${streamId} already has ${limit} outputs (CONTROL_PLANE_RESTREAM_MAX_OUTPUTS)`);
    this.operations.inc({ operation: 'create' });
    this.logger.info({ streamId, outputId: record.id, target: target.redacted, enabled: record.enabled }, 'restream output added');
    await this.changed(streamId);
    return toRestreamOutputView(record, undefined, await this.live.get(streamId), { staleAfterMs: STALE_REPORT_MS });
  }

  async remove(streamId: string, outputId: string): Promise<void> {
    await this.requireStream(streamId);
    if (!(await this.outputs.remove(streamId, outputId))) throw new NotFoundException(`output ${JSON.stringify(outputId.slice(0, 64))} does not exist on stream ${streamId}`);
    this.operations.inc({ operation: 'delete' });
    this.logger.info({ streamId, outputId }, 'restream output removed');
    await this.changed(streamId);
  }

  /** Tells the worker running the stream to reconcile now (it also does so periodically, so a lost message only delays it). */
  private async changed(streamId: string): Promise<void> {
    await this.bus.publish(restreamContracts.outputsChanged, { streamId }, { streamId, at: new Date().toISOString() }).catch(() => undefined);
  }

  private async requireStream(id: string): Promise<void> {
    const exists = StreamIdSchema.safeParse(id).success && (await this.streams.get(id)) !== undefined;
    if (!exists) throw new NotFoundException(`stream ${JSON.stringify(id.slice(0, 64))} does not exist`);
  }
}
