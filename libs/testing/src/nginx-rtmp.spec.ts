import { renderNginxRtmpConfig } from './nginx-rtmp';

describe('renderNginxRtmpConfig', () => {
  const conf = renderNginxRtmpConfig({ prefix: '/tmp/x/nginx', port: 41935, workerConnections: 2048 });

  it('runs one worker in the foreground with its pid and error log under the prefix', () => {
    expect(conf).toMatch(/^load_module \/usr\/lib\/nginx\/modules\/ngx_rtmp_module\.so;/);
    expect(conf).toContain('daemon off;');
    expect(conf).toContain('master_process on;');
    expect(conf).toContain('worker_processes 1;');
    expect(conf).toContain('pid /tmp/x/nginx/nginx.pid;');
    expect(conf).toContain('error_log /tmp/x/nginx/error.log warn;');
    expect(conf).toContain('worker_connections 2048;');
  });

  it('listens on loopback only, with a live application that starts players at a keyframe', () => {
    expect(conf).toContain('listen 127.0.0.1:41935;');
    expect(conf).not.toMatch(/listen (?!127\.0\.0\.1)/);
    expect(conf).toMatch(/application live \{[^}]*live on;[^}]*wait_key on;/);
  });
});
