"""Run the CCP Assistant on the production WSGI server: python -m web."""

from __future__ import annotations

import argparse
import logging

from waitress import serve

from . import create_app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m web", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    parser.add_argument("--index", default=None, help="index directory (default index/)")
    parser.add_argument("--threads", type=int, default=8, help="worker threads")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = create_app({"INDEX_DIR": args.index} if args.index else None)
    print(f"CCP Assistant on http://{args.host}:{args.port}/", flush=True)
    serve(app, host=args.host, port=args.port, threads=args.threads, ident="ccp-assistant")


if __name__ == "__main__":
    main()
