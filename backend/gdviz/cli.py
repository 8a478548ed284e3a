"""The ``gdviz`` command: ``gdviz serve`` starts the app."""

import argparse
import socket
import sys
import webbrowser

from .settings import settings


def lan_address() -> str | None:
    """This machine's first non-loopback IPv4 address, from its own name (no traffic sent)."""
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return None
    for *_, (address, _port) in infos:
        if not address.startswith("127."):
            return address
    return None


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    url = f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '::') else args.host}:{args.port}/"
    print(f"gdviz: serving on {url}", flush=True)
    if args.host in ("0.0.0.0", "::") and (lan := lan_address()):
        print(f"gdviz: students on the same network open http://{lan}:{args.port}/", flush=True)
    config = uvicorn.Config(
        "gdviz.app:app",
        host=args.host,
        port=args.port,
        workers=1,  # jobs live in this one process; several workers would split them
        timeout_graceful_shutdown=1,  # open event streams must not hold up Ctrl-C
        log_level=args.log_level,
    )
    server = uvicorn.Server(config)
    if args.open:
        webbrowser.open(url)
    server.run()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gdviz", description="Gradient descent made visible, in real PyTorch.")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("serve", help="start the web app", description="Start the web app (one process).")
    p.add_argument("--host", default=settings.host, help="address to bind (default %(default)s; 0.0.0.0 for a classroom)")
    p.add_argument("--port", type=int, default=settings.port, help="port (default %(default)s)")
    p.add_argument("--open", action="store_true", help="open the page in the default browser")
    p.add_argument("--log-level", default="info", choices=["critical", "error", "warning", "info", "debug"])
    p.set_defaults(func=serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
