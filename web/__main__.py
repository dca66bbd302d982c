"""Run the CCP Assistant on the production WSGI server: python -m web.

With --workers N, N processes share one listening socket (the kernel spreads
connections between them) and one read-only index on disk; each loads the index once,
before forking, so its arrays are shared copy-on-write.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import sys

from waitress import serve

from . import create_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m web", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    parser.add_argument("--index", default=None, help="index directory (default index/)")
    parser.add_argument("--threads", type=int, default=8, help="threads per process")
    parser.add_argument("--workers", type=int, default=1, help="processes sharing the port")
    args = parser.parse_args(argv)
    if not 1 <= args.workers <= 64:
        parser.error("--workers must be from 1 to 64")
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"
    )
    config = {"WORKERS": args.workers} | ({"INDEX_DIR": args.index} if args.index else {})
    app = create_app(config)
    options = {"threads": args.threads, "ident": "ccp-assistant"}
    print(
        f"CCP Assistant on http://{args.host}:{args.port}/ ({args.workers} process(es))", flush=True
    )
    if args.workers == 1:
        serve(app, host=args.host, port=args.port, **options)
        return
    listener = socket.create_server((args.host, args.port), backlog=2048)
    children = []
    for _ in range(args.workers):
        pid = os.fork()
        if pid == 0:  # a worker: serve until told to stop
            signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
            try:
                serve(app, sockets=[listener], **options)
            finally:
                os._exit(0)
        children.append(pid)
    supervise(children)


def supervise(children: list[int]) -> None:
    """Wait for the workers; if one dies, stop the rest so a service manager restarts us."""

    def stop(*_):
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, lambda *_: (stop(), sys.exit(0)))
    signal.signal(signal.SIGINT, lambda *_: (stop(), sys.exit(0)))
    pid, status = os.wait()
    logging.getLogger(__name__).error("worker %s exited (%s); stopping", pid, status)
    stop()
    sys.exit(1)


if __name__ == "__main__":
    main()
