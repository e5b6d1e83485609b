import { startNginxRtmp as startReceiver } from '@mediaplane/testing';
import { benchDir } from './bench-paths';
import { processGroupUsage, type Usage } from './proc-stats';
import { forgetPid, rememberPid } from './stale-processes';

export interface NginxRtmpServer {
  readonly port: number;
  readonly pgid: number;
  usage(): Usage;
  stop(): Promise<void>;
}

/** The reference nginx-rtmp (libs/testing) under the bench's folder, with its usage sampled and its pid remembered for stale-process clean-up. */
export async function startNginxRtmp(options: { workerConnections?: number } = {}): Promise<NginxRtmpServer> {
  const nginx = await startReceiver({ prefix: benchDir('nginx'), workerConnections: options.workerConnections ?? 4096 });
  rememberPid('nginx', nginx.pgid, 'nginx');
  return {
    port: nginx.port,
    pgid: nginx.pgid,
    usage: () => processGroupUsage(nginx.pgid),
    stop: async () => {
      await nginx.stop();
      forgetPid('nginx');
    },
  };
}
