"""`tuneline serve` / `python -m serving`: serve models:/<name>@<alias> with uvicorn.

    TUNELINE_API_KEYS=secret tuneline serve --port 8000
    tuneline serve --model tuneline-assistant --alias champion --host 127.0.0.1
    tuneline serve --backend llama_cpp --quantization q8_0 --llama-threads 2   # the checked GGUF via llama-server
    tuneline serve --routing-policy configs/serving.yaml   # several registered models; `model: "auto"` is routed

Flags override the TUNELINE_* environment (see serving/settings.py and docs/serving.md).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from components.common.step import offline_environment


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tuneline serve", description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="registered model name (TUNELINE_REGISTERED_MODEL_NAME)")
    parser.add_argument("--alias", help="alias to serve and follow (TUNELINE_SERVE_ALIAS, default champion)")
    parser.add_argument("--host", help="interface to bind (TUNELINE_HOST, default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (TUNELINE_PORT, default 8000)")
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    parser.add_argument(
        "--backend",
        choices=["transformers", "llama_cpp"],
        help="TUNELINE_BACKEND: transformers (default) or llama_cpp, the version's checked GGUF export served by "
        "llama-server (docs/serving.md)",
    )
    parser.add_argument("--llama-server", help="llama-server executable (TUNELINE_LLAMA_SERVER)")
    parser.add_argument(
        "--quantization",
        choices=["f16", "q8_0", "bf16", "f32"],
        help="GGUF export served with llama_cpp (TUNELINE_LLAMA_CPP_QUANTIZATION, default q8_0)",
    )
    parser.add_argument("--llama-threads", type=int, help="llama-server -t (TUNELINE_LLAMA_CPP_THREADS)")
    parser.add_argument(
        "--llama-slots", type=int, help="llama-server -np (TUNELINE_LLAMA_CPP_SLOTS, default 4)"
    )
    parser.add_argument(
        "--routing-policy",
        help="YAML naming several registered models to serve over one base and how `model: auto` requests are "
        "routed between them (TUNELINE_ROUTING_POLICY; configs/serving.yaml)",
    )
    args = parser.parse_args(argv)
    offline_environment()
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s")

    import uvicorn
    from pydantic import ValidationError

    from serving.app import create_app
    from serving.llama_cpp import LlamaCppError
    from serving.settings import ServingSettings

    try:
        settings = ServingSettings.from_flags(
            registered_model_name=args.model, serve_alias=args.alias, host=args.host, port=args.port,
            backend=args.backend, llama_server=args.llama_server, llama_cpp_quantization=args.quantization,
            llama_cpp_threads=args.llama_threads, llama_cpp_slots=args.llama_slots,
            routing_policy=args.routing_policy,
        )  # fmt: skip
        app = create_app(settings)
    except (
        ValidationError,
        LlamaCppError,
        ValueError,
    ) as exc:  # a setting that cannot work: one message, exit 2
        errors = exc.errors() if isinstance(exc, ValidationError) else [{"msg": str(exc)}]
        for error in errors:
            where = ".".join(str(part) for part in error.get("loc", ()))
            message = error["msg"].removeprefix("Value error, ")
            print(f"tuneline serve: {f'{where}: ' if where else ''}{message}", file=sys.stderr)
        return 2
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=args.log_level)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
