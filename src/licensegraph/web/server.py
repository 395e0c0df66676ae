"""Running the dashboard: bind the socket, say where it is, serve with uvicorn."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from pathlib import Path

from licensegraph.web.app import create_app

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def is_loopback(host: str) -> bool:
    """Whether `host` only accepts connections from this machine."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str) -> str | None:
    """The warning to print when the dashboard is reachable from other machines."""
    if is_loopback(host):
        return None
    return (f"the dashboard is bound to {host}, so anyone who can reach this machine on that address can read "
            "the store: it has no authentication. Bind 127.0.0.1 (the default) unless that is what you want.")


@dataclass
class BoundServer:
    """A listening socket and the URL it answers on."""

    sock: socket.socket
    url: str
    host: str
    port: int


def bind(host: str, port: int) -> BoundServer:
    """Bind and listen (port 0: any free port), so the printed URL is the real one.

    OSError (address in use, unknown host) names the address."""
    infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as exc:
        sock.close()
        raise OSError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    sock.listen(128)
    sock.set_inheritable(True)
    real_port = sock.getsockname()[1]
    shown = f"[{address[0]}]" if family == socket.AF_INET6 else address[0]
    return BoundServer(sock=sock, url=f"http://{shown}:{real_port}/", host=host, port=real_port)


def run(db: Path | str, bound: BoundServer, log_level: str = "warning") -> None:
    """Serve the dashboard over the store at `db` on an already bound socket until interrupted."""
    import uvicorn

    app = create_app(db)
    config = uvicorn.Config(app, log_level=log_level, access_log=False, server_header=False,
                            proxy_headers=False, lifespan="on")
    server = uvicorn.Server(config)
    server.run(sockets=[bound.sock])
