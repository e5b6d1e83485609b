import { ffprobe, type ProbedStream } from './ffmpeg';
import { parseMaster, type MasterEntry } from './hls-playlists';

export interface ProbedRendition {
  variant: MasterEntry;
  video?: ProbedStream;
  audio?: ProbedStream;
  /** What a check compares: the rendition, its video codec and size as ffprobe read them. */
  summary: { uri: string; codec: string | undefined; size: string };
}

/** Every rendition a master playlist lists, each read by ffprobe (one after another). */
export async function ffprobeRenditions(masterUrl: string, timeoutMs = 30_000): Promise<ProbedRendition[]> {
  const variants = parseMaster(await (await fetch(masterUrl)).text()).variants;
  const base = masterUrl.replace(/\/master\.m3u8$/, '');
  const out: ProbedRendition[] = [];
  for (const variant of variants) {
    const probed = await ffprobe(`${base}/${variant.uri}`, [], timeoutMs);
    const video = probed.streams.find((s) => s.codec_type === 'video');
    const audio = probed.streams.find((s) => s.codec_type === 'audio');
    out.push({
      variant,
      ...(video ? { video } : {}),
      ...(audio ? { audio } : {}),
      summary: { uri: variant.uri, codec: video?.codec_name, size: `${video?.width}x${video?.height}` },
    });
  }
  return out;
}
