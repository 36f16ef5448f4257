"""Run pytest with these arguments in scripts/mutation_forkserver.py (socket in
$HOSO_MUTATION_SOCKET); print its output and exit with its exit code. Started with
`python -S`: nothing but the standard library, so it starts in milliseconds."""

import json
import os
import socket
import sys

SENTINEL = b"\n@@hoso-mutation-exit "


def main() -> int:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(os.environ["HOSO_MUTATION_SOCKET"])
    request = {"cwd": os.getcwd(), "args": sys.argv[1:]}
    conn.sendall(json.dumps(request).encode() + b"\n")
    chunks = []
    while chunk := conn.recv(65536):
        chunks.append(chunk)
    output, found, code = b"".join(chunks).rpartition(SENTINEL)
    sys.stdout.write(output.decode("utf-8", "replace") + "\n")
    return int(code.strip() or 98) if found else 97


if __name__ == "__main__":
    sys.exit(main())
