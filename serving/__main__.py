"""`tuneline serve` / `python -m serving`: serve models:/<name>@<alias> with uvicorn.

    TUNELINE_API_KEYS=secret tuneline serve --port 8000
    tuneline serve --model tuneline-assistant --alias champion --host 127.0.0.1

Flags override the TUNELINE_* environment (see serving/settings.py and docs/serving.md).
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence

from components.common.step import offline_environment


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tuneline serve", description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="registered model name (TUNELINE_REGISTERED_MODEL_NAME)")
    parser.add_argument("--alias", help="alias to serve and follow (TUNELINE_SERVE_ALIAS, default champion)")
    parser.add_argument("--host", help="interface to bind (TUNELINE_HOST, default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (TUNELINE_PORT, default 8000)")
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    args = parser.parse_args(argv)
    offline_environment()
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s")

    import uvicorn

    from serving.app import create_app
    from serving.settings import ServingSettings

    settings = ServingSettings.from_flags(
        registered_model_name=args.model, serve_alias=args.alias, host=args.host, port=args.port
    )
    uvicorn.run(create_app(settings), host=settings.host, port=settings.port, log_level=args.log_level)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
