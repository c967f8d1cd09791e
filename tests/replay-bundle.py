#!/usr/bin/env python3
"""Writes a quarantine bundle laid out as core/capture.h says, for the
--from-bundle and `evidence extract` tests (tests/cli/replay.sh), until the
capture itself writes them:

    replay-bundle.py OUT STAGE EXTRA.json

Every regular file under STAGE becomes a member named by its path below
STAGE (root/PATH, commands/NNN.json, report.json, ...), with its mode,
mtime, size and sha256 in manifest.json, written last as core/bundle.c
writes it; EXTRA.json (an object) is merged into the manifest: "root",
"paths", "report", "host_facts" and whatever a test wants to change. OUT is
zstd-compressed when it ends in .zst (through the zstd program), else
gzip. A symlink under STAGE is refused: the manifest's "paths" say which
symlinks a replay recreates, the archive holds none."""
import hashlib
import io
import json
import os
import stat
import subprocess
import sys
import tarfile


def members(stage):
    found = []
    for top, dirs, files in os.walk(stage):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(top, name)
            st = os.lstat(path)
            if not stat.S_ISREG(st.st_mode):
                sys.exit(f"replay-bundle: {path} is not a regular file")
            found.append((os.path.relpath(path, stage), path, st))
        for name in dirs:
            if os.path.islink(os.path.join(top, name)):
                sys.exit(f"replay-bundle: {os.path.join(top, name)} is a symlink")
    return found


def main():
    out, stage, extra_path = sys.argv[1:4]
    with open(extra_path) as f:
        extra = json.load(f)
    manifest = {"format_version": 1, "tool_version": "test", "host": "test-host",
                "agent": "test-agent", "captured": "2026-12-02T15:30:00Z",
                "members": [], "commands": [], "actions": []}
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, path, st in members(stage):
            with open(path, "rb") as f:
                data = f.read()
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), stat.S_IMODE(st.st_mode), int(st.st_mtime)
            t.addfile(info, io.BytesIO(data))
            manifest["members"].append({
                "name": name, "size": len(data), "mode": stat.S_IMODE(st.st_mode),
                "mtime": int(st.st_mtime), "sha256": hashlib.sha256(data).hexdigest(),
                "source": "/" + name[len("root/"):] if name.startswith("root/") else name,
                "truncated": False, "original_size": len(data), "redacted": True})
        manifest.update(extra)
        data = json.dumps(manifest, indent=2).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size, info.mode = len(data), 0o644
        t.addfile(info, io.BytesIO(data))
    raw = buf.getvalue()
    if out.endswith(".zst"):
        packed = subprocess.run(["zstd", "-q", "-c"], input=raw, stdout=subprocess.PIPE,
                                check=True).stdout
    else:
        import gzip
        packed = gzip.compress(raw)
    with open(out, "wb") as f:
        f.write(packed)
    os.chmod(out, 0o600)
    print(out)


if __name__ == "__main__":
    main()
