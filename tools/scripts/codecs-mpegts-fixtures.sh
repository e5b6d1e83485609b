#!/usr/bin/env bash
# Regenerates the small MPEG-TS fixtures the @mediaplane/codecs MPEG-TS specs read
# (libs/codecs/src/fixtures/*.mpegts). Run once with Debian's FFmpeg 5.1 and commit the output;
# the specs compare against frame counts taken from these exact files, so only rerun when the
# specs are updated too. Bitexact flags keep the files byte-stable across runs of one FFmpeg build.
set -euo pipefail
out="$(cd "$(dirname "$0")/../.." && pwd)/libs/codecs/src/fixtures"
mkdir -p "$out"
common=(-hide_banner -loglevel error -y)
bitexact=(-map_metadata -1 -fflags +bitexact -flags:v +bitexact -flags:a +bitexact)
video=(-f lavfi -i testsrc2=size=160x90:rate=25)
# 1 s H.264 (2 B-frames, keyframe every 10 frames) + AAC-LC 48 kHz stereo.
ffmpeg "${common[@]}" "${video[@]}" -f lavfi -i sine=frequency=440:sample_rate=48000 -t 1 \
  -c:v libx264 -preset ultrafast -tune zerolatency -bf 2 -x264-params keyint=10:min-keyint=10:scenecut=0:bframes=2 -crf 40 -pix_fmt yuv420p \
  -c:a aac -b:a 32k -ac 2 "${bitexact[@]}" -f mpegts "$out/h264-aac.mpegts"
# 1 s HEVC (libx265, keyframe every 10 frames) + AAC-LC 44.1 kHz mono.
ffmpeg "${common[@]}" "${video[@]}" -f lavfi -i sine=frequency=440:sample_rate=44100 -t 1 \
  -c:v libx265 -preset ultrafast -x265-params keyint=10:min-keyint=10:scenecut=0:bframes=0:log-level=error -crf 40 -pix_fmt yuv420p \
  -c:a aac -b:a 24k -ac 1 "${bitexact[@]}" -f mpegts "$out/hevc-aac.mpegts"
# 1 s H.264 + Opus 48 kHz stereo (stream type 0x06 with the 'Opus' registration descriptor).
ffmpeg "${common[@]}" "${video[@]}" -f lavfi -i sine=frequency=440:sample_rate=48000 -t 1 \
  -c:v libx264 -preset ultrafast -bf 0 -x264-params keyint=25 -crf 40 -pix_fmt yuv420p \
  -c:a libopus -b:a 24k -ac 2 "${bitexact[@]}" -f mpegts "$out/h264-opus.mpegts"
# 1 s H.264 + AC-3 48 kHz 5.1 (stream type 0x81, as ATSC and FFmpeg's default signal it).
ffmpeg "${common[@]}" "${video[@]}" -f lavfi -i sine=frequency=440:sample_rate=48000 -t 1 \
  -c:v libx264 -preset ultrafast -bf 0 -x264-params keyint=25 -crf 40 -pix_fmt yuv420p \
  -c:a ac3 -b:a 192k -ac 6 "${bitexact[@]}" -f mpegts "$out/h264-ac3.mpegts"
# 1 s H.264 + E-AC-3 48 kHz stereo (stream type 0x06 with DVB's enhanced AC-3 descriptor: -mpegts_flags system_b).
ffmpeg "${common[@]}" "${video[@]}" -f lavfi -i sine=frequency=440:sample_rate=48000 -t 1 \
  -c:v libx264 -preset ultrafast -bf 0 -x264-params keyint=25 -crf 40 -pix_fmt yuv420p \
  -c:a eac3 -b:a 96k -ac 2 "${bitexact[@]}" -mpegts_flags system_b -f mpegts "$out/h264-eac3.mpegts"
ls -l "$out"
