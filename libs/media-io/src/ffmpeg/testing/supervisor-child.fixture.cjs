// Runs a FfmpegSupervisor from the compiled library in a child process, prints
// FFmpeg's pid and then waits to be killed: the parent-death test SIGKILLs us.
const path = require('node:path');
const { FfmpegSupervisor } = require(path.join(process.env.MEDIAPLANE_DIST_ROOT, 'libs/media-io/src/ffmpeg/index.js'));

const supervisor = new FfmpegSupervisor({
  prepareRun: () => ({
    args: ['-hide_banner', '-nostdin', '-re', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=10', '-f', 'null', '-', '-progress', 'pipe:1', '-nostats'],
  }),
  stallTimeoutMs: 30000,
});
supervisor.on('spawn', ({ pid }) => process.stdout.write(`ffmpeg-pid=${pid}\n`));
supervisor.start();
setInterval(() => undefined, 1000);
