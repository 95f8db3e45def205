"""Run the fake Simkl API on its own: ``python -m tests.fake_simkl --demo``."""

import argparse
import asyncio
from contextlib import suppress
from pathlib import Path
import signal
import sys

from .server import DEFAULT_CLIENT_ID, FakeSimkl


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.fake_simkl", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--demo",
        action="store_true",
        help='create user "demo" with the demo library, accept any client id and point '
        "verification_uri at this server's /pin page",
    )
    parser.add_argument(
        "--approve-after",
        type=float,
        metavar="SECONDS",
        help="approve PIN codes for the demo user this long after they were issued",
    )
    parser.add_argument(
        "--client-id",
        action="append",
        dest="client_ids",
        metavar="ID",
        help=f"accepted client id (repeatable; default {DEFAULT_CLIENT_ID})",
    )
    parser.add_argument(
        "--write-lock-seconds",
        type=float,
        default=20.0,
        metavar="SECONDS",
        help="per-user lock between writes (default 20; 0 disables)",
    )
    parser.add_argument(
        "--tokens-file",
        type=Path,
        metavar="PATH",
        help="with --demo: read the demo user's access tokens from PATH at start and write them "
        "there at exit, so that an account linked to the demo stays linked across restarts",
    )
    parser.add_argument(
        "--max-gets-per-second",
        type=int,
        default=10,
        metavar="N",
        help="GET cap per token or client id (default 10; 0 disables)",
    )
    return parser.parse_args(argv)


async def _serve(args: argparse.Namespace, tokens: list[str]) -> None:
    """Serve until interrupted; the demo user also answers to `tokens`, which holds its
    tokens at the end."""
    fake = FakeSimkl(
        client_ids=args.client_ids or (DEFAULT_CLIENT_ID,),
        accept_any_client_id=args.demo and not args.client_ids,
        auto_approve_after=args.approve_after,
        write_lock_seconds=args.write_lock_seconds,
        max_gets_per_second=args.max_gets_per_second or None,
    )
    if args.demo:
        demo = fake.add_user("demo")
        fake.seed_demo_library(demo)
        fake.state.tokens.update(dict.fromkeys(tokens, demo))
    await fake.start(args.host, args.port)
    if args.demo:
        fake.verification_uri = f"{fake.url}/pin"
    sys.stdout.write(f"Fake Simkl API listening on {fake.url}\n")
    if args.demo:
        sys.stdout.write(f"Approve PIN codes at {fake.url}/pin\n")
    sys.stdout.flush()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Not every platform lets asyncio handle signals; Ctrl-C still interrupts there.
        with suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        if args.demo:
            tokens[:] = [token for token, user in fake.state.tokens.items() if user is demo]
        await fake.stop()


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted."""
    args = _arguments(argv)
    tokens_file: Path | None = args.tokens_file if args.demo else None
    tokens = (
        tokens_file.read_text(encoding="utf-8").split()
        if tokens_file is not None and tokens_file.exists()
        else []
    )
    with suppress(KeyboardInterrupt):
        asyncio.run(_serve(args, tokens))
    if tokens_file is not None:
        tokens_file.write_text("\n".join(tokens), encoding="utf-8")


if __name__ == "__main__":
    main()
