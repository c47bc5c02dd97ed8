"""Is a TCP port free? Used by ``spacekg serve`` and, before anything is installed or built,
by ``make run`` (this module needs only the standard library).

As a script: ``python3 ports.py HOST PORT [--fallback]`` exits 0 when the port (or, with
``--fallback``, one of the next 20) is free, else prints why and how to choose another port
and exits 2.
"""

from __future__ import annotations

import socket
import sys

FALLBACK_TRIES = 20


def busy_message(host: str, port: int) -> str:
    """What to tell the user when ``host:port`` is taken."""
    return (f"port {port} on {host} is already in use (another server?); choose another "
            f"with `spacekg serve --port N` or `make run PORT=N`")


def port_free(host: str, port: int) -> bool:
    """True when a listening TCP socket could be bound to ``(host, port)`` now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str, port: int, fallback: bool) -> int | None:
    """``port`` if free; with ``fallback`` the first free one of the next 20; else None."""
    if port_free(host, port):
        return port
    if fallback:
        for p in range(port + 1, port + 1 + FALLBACK_TRIES):
            if port_free(host, p):
                return p
    return None


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: ports.py HOST PORT [--fallback]")
    _host, _port = sys.argv[1], int(sys.argv[2])
    if free_port(_host, _port, "--fallback" in sys.argv[3:]) is None:
        print(f"error: {busy_message(_host, _port)}", file=sys.stderr)
        sys.exit(2)
