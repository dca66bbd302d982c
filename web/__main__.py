"""Run the CCP Assistant on a production server: python -m web.

Two servers, one app. Waitress (the default) reads each request in full before the app
sees it, so a slow client holds a connection, never a worker; it refuses a body over the
app's limit from its Content-Length, closes connections idle for CCP_CHANNEL_TIMEOUT
seconds and holds at most CCP_CONNECTION_LIMIT. Granian (--server granian) is a Rust
server that costs far less per request, but it hands the app a request before its body
has arrived and never times out a stalled body: run it behind a proxy that buffers
request bodies (nginx does by default). Facing the internet, either belongs behind a
reverse proxy with its own timeouts and limits (README, "Running in production").

One process per core (or --workers N) shares the listening socket and one read-only
index on disk, and a worker that dies is replaced.
"""

from __future__ import annotations

import argparse
import errno
import importlib.util
import logging
import os
import signal
import socket
import sys
import warnings

from flask import Flask

from assistant.settings import Settings, plain_table

from . import configure, create_app, settings_of

log = logging.getLogger(__name__)

ENVIRONMENT_HELP = """settings, read from environment variables at start-up:
  (the answer and index ones may also be given together as JSON in CCP_SETTINGS,
  e.g. CCP_SETTINGS='{"top_k": 8}'; a CCP_<NAME> wins over CCP_SETTINGS)
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m web",
        description=__doc__.splitlines()[0],
        epilog=ENVIRONMENT_HELP + plain_table(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on")
    parser.add_argument("--index", default=None, help="index directory (default index/)")
    parser.add_argument(
        "--server",
        choices=("waitress", "granian"),
        default="waitress",
        help="waitress (default) reads whole requests before the app sees them; granian "
        "is faster but needs a proxy that buffers request bodies in front of it",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="processes sharing the port (default CCP_WORKERS, else one per core)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=None,
        help="threads per process running the app (default 2 on waitress, whose own loop "
        "sends and receives, 1 on granian; answering is CPU work, so use --workers for "
        "more cores)",
    )
    args = parser.parse_args(argv)
    if args.workers is None:
        try:
            args.workers = Settings.read().workers or cores()
        except ValueError as exc:
            parser.exit(2, f"error: {exc}\n")
    if not 1 <= args.workers <= 64:
        parser.error("--workers must be from 1 to 64")
    if args.server == "granian" and importlib.util.find_spec("granian") is None:
        parser.exit(2, 'error: Granian is not installed: .venv/bin/pip install -e ".[granian]"\n')
    if args.threads is None:
        args.threads = 1 if args.server == "granian" else 2
    if not 1 <= args.threads <= 64:
        parser.error("--threads must be from 1 to 64")
    # Apps read their configuration from the environment (see web.create_app).
    os.environ["CCP_WORKERS"] = str(args.workers)
    if args.index:
        os.environ["CCP_INDEX_DIR"] = args.index
    # Every worker signs conversation tokens with one key, even one made up for this run.
    os.environ.setdefault("CCP_SECRET_KEY", os.urandom(32).hex())
    try:
        settings = configure(Flask(__name__))
    except ValueError as exc:
        parser.exit(2, f"error: {exc}\n")
    problem = cannot_listen(args.host, args.port)
    if problem:
        parser.exit(2, f"error: {problem}\n")
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"
    )
    print(
        f"CCP Assistant on http://{args.host}:{args.port}/ "
        f"({args.server}, {args.workers} process(es))",
        flush=True,
    )
    if (
        args.workers > 1
        and settings.rate_limit
        and settings.rate_limit_storage.startswith("memory://")
    ):
        log.warning(
            "each of the %d processes counts rate limits in its own memory, so a client may "
            "get up to %d times CCP_RATE_LIMIT; CCP_RATE_LIMIT_STORAGE=redis://... counts "
            "once for all",
            args.workers,
            args.workers,
        )
    if args.server == "granian":
        serve_granian(args)
    else:
        serve_waitress(args)


def cores() -> int:
    """The cores this process may run on (its affinity, which containers and taskset
    narrow; os.cpu_count counts the machine's), at most 64: answering is CPU work, so
    one process per core is what serves most questions."""
    try:
        count = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        count = os.cpu_count() or 1
    return max(1, min(count, 64))


def cannot_listen(host: str, port: int) -> str | None:
    """Why the server could not listen on host:port, or None. Tried before the index is
    loaded (which can take a while), so that a port in use is said at once and plainly,
    not as a traceback from inside the server. Each server binds the port again itself."""
    try:
        addresses = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        for family, _, _, _, address in addresses:
            socket.create_server(address, family=family).close()
    except socket.gaierror as exc:
        return f"cannot listen on {host!r}: {exc.strerror}"
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            return (
                f"port {port} on {host} is already in use (is the assistant already "
                f"running?): stop what uses it, or choose another port with --port, "
                f"e.g. --port {port + 1}"
            )
        if exc.errno == errno.EACCES:
            return f"not allowed to listen on port {port}: choose a port from 1024 up with --port"
        return f"cannot listen on {host} port {port}: {exc.strerror}"
    return None


def serve_waitress(args: argparse.Namespace) -> None:
    app = create_app()
    run_waitress(
        app, args.host, args.port, args.workers, waitress_options(args.threads, settings_of(app))
    )


def run_waitress(app, host: str, port: int, workers: int, options: dict) -> None:
    """One process, or workers forked after the app (and its index) is loaded, so they
    share its pages copy-on-write, all accepting from one socket."""
    from waitress import serve

    if workers == 1:
        serve(app, host=host, port=port, **options)
        return
    listener = socket.create_server((host, port), backlog=2048)

    def start_worker() -> int:
        pid = os.fork()
        if pid == 0:  # a worker: serve until told to stop
            signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
            try:
                serve(app, sockets=[listener], **options)
            finally:
                os._exit(0)
        return pid

    supervise({start_worker() for _ in range(workers)}, start_worker)


# Waitress sends each write the moment it is made, so every response went out as two
# packets (headers, then body), each a system call and a wake-up for the client.
# Buffered until the app is done, a response goes in one: on loopback that gave 1.2-1.8x
# the questions answered a second (see BENCHMARKS.md). Larger responses are still sent
# as they are written.
ONE_SEND_BYTES = 64 * 1024


def waitress_options(threads: int, settings: Settings) -> dict:
    """Waitress's options from the app's settings: its own defaults let one client send
    a 1 GiB body (spooled to a temporary file before the app can refuse it) and 100 slow
    ones take every connection."""
    from waitress.adjustments import Adjustments

    timeout = settings.channel_timeout
    options = {
        "threads": threads,
        "ident": "ccp-assistant",
        # Waitress refuses a body of its limit or more, Flask one over its own.
        "max_request_body_size": settings.max_content_length + 1,
        "connection_limit": settings.connection_limit,
        "channel_timeout": timeout,
        # How often idle connections are looked for: one closes within 1.5 timeouts.
        "cleanup_interval": max(1, timeout // 2),
        # Waitress drops X-Forwarded-For and its kin unless told to keep them: kept only
        # for the app's ProxyFix when there are trusted proxies (see web/limits.py).
        "clear_untrusted_proxy_headers": not settings.trusted_proxies,
    }
    # The setting is deprecated; a waitress that has dropped it serves as before.
    if hasattr(Adjustments, "send_bytes"):
        warnings.filterwarnings("ignore", "send_bytes", DeprecationWarning)
        options["send_bytes"] = ONE_SEND_BYTES
    return options


def supervise(children: set[int], start_worker) -> None:
    """Replace a worker that dies; on SIGTERM or SIGINT stop them all."""

    def stop(*_):
        for pid in children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while True:
        pid, status = os.wait()
        children.discard(pid)
        log.error("worker %s exited (status %s); starting another", pid, status)
        children.add(start_worker())


def serve_granian(args: argparse.Namespace) -> None:
    """Workers started by Granian, each making its own app. Granian has no body limit
    of its own and needs none: it hands the app the request before reading the body, and
    the app refuses one over MAX_CONTENT_LENGTH from its Content-Length."""
    run_granian("web:create_app", args.host, args.port, args.workers, args.threads)


def run_granian(factory: str, host: str, port: int, workers: int, threads: int) -> None:
    """Serve the app that `factory` ("module:function") makes, in Granian's workers."""
    import multiprocessing

    from granian.constants import Interfaces
    from granian.log import LogLevels
    from granian.server import Server

    # Granian replaces a dead worker from a process running threads of its own; a
    # forked child can inherit a lock one of them held (logging's, say) and hang.
    multiprocessing.set_start_method("spawn", force=True)
    Server(
        factory,
        factory=True,
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=workers,
        blocking_threads=threads,
        respawn_failed_workers=True,
        websockets=False,
        log_level=LogLevels.warning,
    ).serve()


if __name__ == "__main__":
    main()
