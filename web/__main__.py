"""Run the CCP Assistant on the production server (Granian): python -m web.

Granian handles connections in Rust and calls the app from a few Python threads; with
--workers N, N processes share the listening socket and one read-only index on disk,
and a worker that dies is started again.
"""

from __future__ import annotations

import argparse
import logging
import os

from flask import Flask
from granian.constants import Interfaces
from granian.log import LogLevels
from granian.server import Server

from . import configure


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m web", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    parser.add_argument("--index", default=None, help="index directory (default index/)")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="threads per process running the app (answering is CPU work: more threads "
        "only take turns; use --workers for more cores)",
    )
    parser.add_argument("--workers", type=int, default=1, help="processes sharing the port")
    args = parser.parse_args(argv)
    if not 1 <= args.workers <= 64:
        parser.error("--workers must be from 1 to 64")
    if not 1 <= args.threads <= 64:
        parser.error("--threads must be from 1 to 64")
    # Each worker makes its app from the environment (see web.create_app); a bad
    # setting is reported here, once, rather than by workers failing over and over.
    os.environ["CCP_WORKERS"] = str(args.workers)
    if args.index:
        os.environ["CCP_INDEX_DIR"] = args.index
    try:
        configure(Flask("web"))
    except ValueError as exc:
        parser.exit(2, f"error: {exc}\n")
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"
    )
    print(
        f"CCP Assistant on http://{args.host}:{args.port}/ ({args.workers} process(es))",
        flush=True,
    )
    Server(
        "web:create_app",
        factory=True,
        address=args.host,
        port=args.port,
        interface=Interfaces.WSGI,
        workers=args.workers,
        blocking_threads=args.threads,
        respawn_failed_workers=True,
        websockets=False,
        log_level=LogLevels.warning,
    ).serve()


if __name__ == "__main__":
    main()
