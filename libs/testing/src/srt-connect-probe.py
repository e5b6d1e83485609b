#!/usr/bin/env python3
"""An SRT caller on Debian's libsrt (through ctypes) that reports how its connect ended, as JSON:
{"result": "connected"} or {"result": "rejected", "code": 1403, "reason": "..."}.

srt-live-transmit and FFmpeg print every listener-defined rejection (SRT_REJX_*, >= 1000) as the
same "Application-defined rejection reason" (libsrt's srt_rejectreason_str); the code itself is
only available to the caller's program through srt_getrejectreason, which this script prints.

usage: srt-connect-probe.py HOST PORT STREAMID [PASSPHRASE]
"""
import ctypes
import json
import socket
import struct
import sys

SRTO_PASSPHRASE = 26
SRTO_CONNTIMEO = 36
SRTO_STREAMID = 46


def main() -> int:
    host, port, stream_id = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
    passphrase = sys.argv[4].encode() if len(sys.argv) > 4 else None
    srt = ctypes.CDLL("libsrt.so.1.5")
    srt.srt_getlasterror_str.restype = ctypes.c_char_p
    srt.srt_rejectreason_str.restype = ctypes.c_char_p
    if srt.srt_startup() < 0:
        raise SystemExit("srt_startup failed")
    sock = srt.srt_create_socket()
    timeout = ctypes.c_int(8000)
    srt.srt_setsockflag(sock, SRTO_CONNTIMEO, ctypes.byref(timeout), ctypes.sizeof(timeout))
    srt.srt_setsockflag(sock, SRTO_STREAMID, ctypes.c_char_p(stream_id), len(stream_id))
    if passphrase:
        srt.srt_setsockflag(sock, SRTO_PASSPHRASE, ctypes.c_char_p(passphrase), len(passphrase))
    address = struct.pack("!HH4s8x", socket.AF_INET, port, socket.inet_aton(host))
    # sockaddr_in: sin_family is in host byte order
    address = struct.pack("=H", socket.AF_INET) + address[2:]
    buffer = ctypes.create_string_buffer(address, len(address))
    if srt.srt_connect(sock, buffer, len(address)) < 0:
        code = srt.srt_getrejectreason(sock)
        print(json.dumps({"result": "rejected", "code": code, "reason": srt.srt_rejectreason_str(code).decode(), "error": srt.srt_getlasterror_str(None).decode()}))
    else:
        print(json.dumps({"result": "connected"}))
    sys.stdout.flush()
    srt.srt_close(sock)
    return 0


if __name__ == "__main__":
    sys.exit(main())
