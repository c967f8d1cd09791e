#!/usr/bin/python3
"""A stand-in stereosd control plane for tests: NDJSON, one line each way.

usage: stereosd-standin.py ADDRESS MODEFILE LOG
  ADDRESS   tcp (127.0.0.1, a free port) or vsock:CID (VMADDR_CID_LOCAL is 1)
  MODEFILE  read at every connection, so one server plays every case:
    ready healthy booting degraded shutdown   answer ping with pong and
                                              get_health with that state
    odd-state       a state the protocol does not have
    slow-ok         answers after 0.5 s
    silent          reads and never answers
    trickle         sends a whole answer, one byte every 0.2 s
    huge            a 2 MiB line
    close           reads and closes without a word
    unterminated    a pong with no newline, then closes
    garbage         bytes that are not JSON
    not-object      a JSON array
    wrong-type      answers everything with an ack
    no-state        a health without payload.state
LOG gets every request line received, as sent.
Prints the port it listens on once listening (tcp or vsock); runs until
killed.
"""
import json
import socket
import sys
import threading
import time

address, modefile, log = sys.argv[1], sys.argv[2], sys.argv[3]
STATES = ("ready", "healthy", "booting", "degraded", "shutdown")


def health(state):
    agents = [{"name": "codex", "running": state != "degraded", "restarts": 0}]
    if state == "degraded":
        agents.append({"name": "claude", "running": False, "restarts": 3,
                       "error": "exit status 1"})
    return {"type": "health",
            "payload": {"state": state, "agents": agents, "uptime_seconds": 42}}


def answer(mode, request):
    kind = request.get("type") if isinstance(request, dict) else None
    if mode == "wrong-type":
        return {"type": "ack", "payload": {"reply_to": kind, "ok": False,
                                           "error": "unknown"}}
    if kind == "ping":
        return {"type": "pong"}
    if kind != "get_health":
        return {"type": "ack", "payload": {"ok": False, "error": "refused"}}
    if mode == "odd-state":
        return health("sleeping")
    if mode == "no-state":
        return {"type": "health", "payload": {"agents": []}}
    return health(mode if mode in STATES else "ready")


def read_line(conn):
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def serve(conn):
    with open(modefile) as f:
        mode = f.read().strip()
    try:
        data = read_line(conn)
        with open(log, "ab") as f:
            f.write(data if data.endswith(b"\n") else data + b"\n")
        try:
            request = json.loads(data)
        except ValueError:
            request = None
        if mode == "silent":
            time.sleep(30)
            return
        if mode == "close":
            return
        if mode == "garbage":
            conn.sendall(b"\x1b[31m\xff\xfe not json at all\n")
            return
        if mode == "not-object":
            conn.sendall(b"[1, 2, 3]\n")
            return
        if mode == "huge":
            conn.sendall(b'{"type":"pong","pad":"' + b"x" * (2 * 1024 * 1024) + b'"}\n')
            return
        line = (json.dumps(answer(mode, request)) + "\n").encode()
        if mode == "unterminated":
            conn.sendall(line[:-1])
            return
        if mode == "slow-ok":
            time.sleep(0.5)
        if mode == "trickle":
            for i in range(len(line)):
                conn.sendall(line[i:i + 1])
                time.sleep(0.2)
            return
        conn.sendall(line)
    except OSError:
        pass  # the client gave up first: that is what some cases test
    finally:
        conn.close()


if address == "tcp":
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    ready = str(srv.getsockname()[1])
else:
    srv = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
    srv.bind((int(address.split(":", 1)[1]), socket.VMADDR_PORT_ANY))
    ready = str(srv.getsockname()[1])
srv.listen(16)
print(ready, flush=True)
while True:
    c, _ = srv.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
