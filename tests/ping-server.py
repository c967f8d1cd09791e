#!/usr/bin/python3
"""A stand-in Podman API socket for tests: serves GET /_ping on a unix socket.

usage: ping-server.py PATH MODE
  ok       answers 200 "OK" (as Podman does)
  error    answers 500
  silent   accepts and never answers (a hung service)
  garbage  answers something that is not HTTP
Prints "ready" on stdout once listening; runs until killed.
"""
import os
import socket
import sys
import time

path, mode = sys.argv[1], sys.argv[2]
if os.path.exists(path):
    os.unlink(path)
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(8)
print("ready", flush=True)
held = []
while True:
    conn, _ = srv.accept()
    conn.recv(4096)
    if mode == "ok":
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                     b"Libpod-Api-Version: 4.3.1\r\nContent-Length: 2\r\n\r\nOK")
    elif mode == "error":
        conn.sendall(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\nfail")
    elif mode == "garbage":
        conn.sendall(b"SSH-2.0-OpenSSH_9.0\r\n")
    elif mode == "silent":
        held.append(conn)  # keep it open, say nothing
        continue
    conn.close()
