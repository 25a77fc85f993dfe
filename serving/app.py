"""The FastAPI app: OpenAI-compatible chat completions for the promoted registry version.

    from serving.app import create_app
    app = create_app(ServingSettings(api_keys=["k"]))     # then: uvicorn.run(app, host="127.0.0.1", port=8000)

Endpoints: POST /v1/chat/completions, POST /v1/feedback, GET /v1/models, GET /health, GET /ready,
GET /metrics, POST /admin/reload, and vLLM's runtime LoRA API (POST /v1/load_lora_adapter and
/v1/unload_lora_adapter) for a controller outside the process (serving/controller.py). /v1 and /admin need
a bearer key when TUNELINE_API_KEYS is set; probes and metrics are open (bind them to a private network).
Every error, including 404s and validation, is OpenAI-shaped. POST /admin/registry-webhook takes MLflow's alias
webhooks, signed with TUNELINE_WEBHOOK_SECRET instead of a bearer key (off without it), and checks the served
alias against the audit at once rather than at the next poll (components/register/ui_promotion.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import BackgroundTasks, Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from serving.batching import DynamicBatcher
from serving.completions import Serving, chat_completions
from serving.context_router import ContextRouter, RoutingPolicy
from serving.controller import CheckResult, adapter_name
from serving.llama_cpp import LlamaCppManager
from serving.llama_cpp_proxy import chat_completions as llama_cpp_completions
from serving.metrics import ServingMetrics
from serving.model import ModelManager
from serving.model_set import ModelSet
from serving.online import OnlineLog
from serving.schemas import (
    ApiError,
    FeedbackRequest,
    LoadAdapterRequest,
    UnloadAdapterRequest,
    error_body,
    validation_message,
)
from serving.security import parse_json_body, read_body_limited, require_api_key
from serving.settings import ServingSettings

log = logging.getLogger("tuneline.serving")
KNOWN_PATHS = {
    "/v1/chat/completions",
    "/v1/feedback",
    "/v1/models",
    "/health",
    "/ready",
    "/metrics",
    "/admin/reload",
    "/admin/registry-webhook",
    "/v1/load_lora_adapter",
    "/v1/unload_lora_adapter",
}


def create_app(settings: ServingSettings | None = None) -> FastAPI:
    """Build the app; the model loads in the background once it starts (GET /ready says when)."""
    settings = settings or ServingSettings()
    metrics = ServingMetrics()
    llama_cpp = settings.backend == "llama_cpp"  # serving/llama_cpp.py: llama-server behind this app
    router = None
    if llama_cpp:
        manager = LlamaCppManager(settings, metrics)
    elif settings.routing_policy:  # several registered models over one base, routed by context
        policy = RoutingPolicy.load(settings.routing_policy)
        manager = ModelSet(settings, metrics, policy.models)
        router = ContextRouter(policy, manager.champion_version)
    else:
        manager = ModelManager(settings, metrics)
    batcher = DynamicBatcher(manager.get, settings, metrics)
    online = OnlineLog.from_settings(settings, metrics)
    serving = Serving(settings, manager, batcher, metrics, online, router)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        log.info("serving %s (API keys %s)", settings.model_uri, "required" if settings.api_keys else "off")
        if settings.routing != "off":
            log.info("routing %s to alias %s", settings.routing, settings.challenger_alias)
        online.start()
        batcher.start()  # first: the batch thread takes torch's threads, later ones run torch on one
        # ... except a continuous-batching manager's thread (one merged version): it takes the batch thread's
        for member in manager.members:
            member.torch_threads = batcher.torch_threads
        manager.start()
        yield
        batcher.stop()
        manager.stop()
        online.close()

    app = FastAPI(title="tuneline serving", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings, app.state.metrics, app.state.manager = settings, metrics, manager
    app.state.batcher, app.state.online, app.state.router = batcher, online, router
    app.add_middleware(RequestMetrics, metrics=metrics)
    install_error_handlers(app, metrics)

    def authorized(request: Request) -> None:
        require_api_key(request.headers.get("authorization"), settings.api_keys)

    @app.get("/health")
    async def health() -> dict:
        return {"status": "ok"}

    @app.get("/ready")
    async def ready():
        served = manager.current
        if served is None or not manager.ready:
            why = f": {manager.refused['reason']}" if llama_cpp and manager.refused else ""
            raise ApiError(503, f"model not loaded yet{why}", type="server_error", code="not_ready")
        body = {"status": "ready", "model": served.name, "version": served.version, "alias": served.alias}
        body |= manager.status() if llama_cpp else {}  # the export served, its command, a refused version
        if settings.routing != "off":  # the challenger's version is None while it is missing or failed
            body["routing"] = settings.routing
            body["versions"] = {
                a: (s.version if (s := manager.served.get(a)) else None) for a in manager.aliases
            }
        if router is not None:  # every model's versions, and what semantic routing compares with
            await asyncio.get_running_loop().run_in_executor(router.thread, router.warm)  # embedder, vectors
            body["models"] = {
                m.settings.registered_model_name: {
                    a: (s.version if (s := m.served.get(a)) else None) for a in m.aliases
                }
                for m in manager.members
            }
            body["router"] = router.status()
        return body

    @app.get("/metrics")
    async def prometheus() -> Response:
        return Response(metrics.render(), media_type=metrics.content_type)

    @app.get("/v1/models", dependencies=[Depends(authorized)])
    async def models() -> dict:
        return {"object": "list", "data": model_cards(manager, router)}

    @app.get("/v1/models/{model_id:path}", dependencies=[Depends(authorized)])
    async def model(model_id: str) -> dict:
        for card in model_cards(manager, router):
            if card["id"] == model_id:
                return card
        raise ApiError(404, f"model {model_id!r} is not served here", code="model_not_found", param="model")

    @app.post("/v1/chat/completions", dependencies=[Depends(authorized)])
    async def completions(request: Request):
        return await (llama_cpp_completions if llama_cpp else chat_completions)(request, serving)

    @app.post("/v1/feedback", dependencies=[Depends(authorized)])
    async def feedback(request: Request) -> dict:
        body = await read_body_limited(request, settings.max_body_bytes)
        return await online.feedback(parse_json_body(body, FeedbackRequest))

    @app.post("/admin/reload", dependencies=[Depends(authorized)])
    async def reload() -> dict:
        result = await run_in_threadpool(manager.check, True)
        if result.status == "failed":
            raise ApiError(
                502,
                f"reload failed, still serving version {result.served_version}: {result.error}",
                type="model_load_error",
                code="load_failed",
            )
        return reload_body(result)

    @app.post("/admin/registry-webhook")
    async def registry_webhook(request: Request, background: BackgroundTasks) -> dict:
        watched = {(m.settings.registered_model_name, m.settings.serve_alias) for m in manager.members}
        if served_alias_event(
            watched, request.headers, await read_body_limited(request, settings.max_body_bytes)
        ):
            background.add_task(check_served_alias, manager)  # after the answer: MLflow waits 30 s at most
            return {"status": "accepted"}
        return {"status": "ignored"}

    @app.post("/v1/load_lora_adapter", dependencies=[Depends(authorized)])
    async def load_adapter(request: Request) -> dict:
        body = parse_json_body(await read_body_limited(request, settings.max_body_bytes), LoadAdapterRequest)
        return await run_in_threadpool(adapter_loaded, manager, body)

    @app.post("/v1/unload_lora_adapter", dependencies=[Depends(authorized)])
    async def unload_adapter(request: Request) -> dict:
        body = parse_json_body(
            await read_body_limited(request, settings.max_body_bytes), UnloadAdapterRequest
        )
        if not is_loaded(manager, body.lora_name):
            raise ApiError(404, f"adapter {body.lora_name!r} is not loaded", code="adapter_not_found")
        await run_in_threadpool(manager.unload_adapter, body.lora_name)
        return {"object": "lora_adapter", "lora_name": body.lora_name, "status": "unloaded"}

    return app


def served_alias_event(watched: set[tuple[str, str]], headers, body: bytes) -> bool:
    """Whether a signed MLflow webhook is an alias event of a served (model, alias); 404 when the receiver is
    off, 401 when the signature or timestamp does not check out."""
    from components.register import ui_promotion

    secret = ui_promotion.webhook_secret()
    if secret is None:
        raise ApiError(
            404, f"registry webhooks are off: set {ui_promotion.WEBHOOK_SECRET_ENV}", code="not_found"
        )
    try:
        payload = ui_promotion.verify_webhook(secret, headers, body)
    except ui_promotion.WebhookRejected as exc:
        raise ApiError(
            401, f"webhook refused: {exc}", type="authentication_error", code="bad_signature"
        ) from None
    return ui_promotion.alias_event(payload) in watched


def check_served_alias(manager: ModelManager | ModelSet) -> None:
    """The controller's check, which reconciles a move made outside tuneline first; with no controller in this
    process (watch_registry off), the reconcile alone (recorded, reverted by the published policy)."""
    from components.register import ui_promotion

    try:
        if manager.settings.watch_registry:
            manager.check()
        else:
            for member in manager.members:
                ui_promotion.governed_version(
                    member.settings.registered_model_name, member.settings.serve_alias
                )
    except Exception:  # the next poll tries again
        log.exception("alias check after a registry webhook failed")


def is_loaded(manager: ModelManager | ModelSet, name: str) -> bool:
    try:
        return manager.is_loaded(name)
    except KeyError as exc:
        raise ApiError(404, exc.args[0], code="model_not_found", param="lora_name") from None


def adapter_loaded(manager: ModelManager, body: LoadAdapterRequest) -> dict:
    """vLLM's runtime LoRA load: refuse a loaded name unless `load_inplace`; the version comes from the registry."""
    from components.common.registry_io import resolve_version

    if is_loaded(manager, body.lora_name) and not body.load_inplace:
        raise ApiError(
            400,
            f"{body.lora_name!r} is already loaded; send load_inplace=true",
            code="adapter_already_loaded",
            param="load_inplace",
        )
    if body.registry_uri is None:
        raise ApiError(
            400,
            "tuneline serve serves registered versions: send registry_uri (models:/<name>/<version>)",
            code="registry_uri_required",
            param="registry_uri",
        )
    try:
        ref = resolve_version(body.registry_uri)
        manager.load_adapter(body.lora_name, Path(body.lora_path), ref)
    except Exception as exc:
        raise ApiError(502, f"loading {body.registry_uri} failed: {exc}", type="model_load_error") from None
    return {"object": "lora_adapter", "lora_name": body.lora_name, "version": ref.version, "status": "loaded"}


def reload_body(result: CheckResult) -> dict:
    """What /admin/reload answers: the served alias's outcome, and each other alias's (routing on)."""
    body = {
        "status": result.status,
        "served_version": result.served_version,
        "alias_version": result.alias_version,
    }
    for other in result.others:
        body[other.alias] = {
            "status": other.status,
            "served_version": other.served_version,
            "alias_version": other.alias_version,
            "error": other.error,
        }
    return body


def model_cards(manager: ModelManager | ModelSet, router: ContextRouter | None = None) -> list[dict]:
    """OpenAI model objects: each registered model's champion under the model's name; while routing is on,
    its challenger as `<name>@<alias>` (the adapter name a controller loads it under); the router's id."""
    cards = []
    for member in manager.members:
        for alias in member.aliases:
            if (served := member.get(alias)) is not None:
                champion = served is member.current
                cards.append(
                    {
                        "id": adapter_name(member.settings, alias) if not champion else served.name,
                        "object": "model",
                        "created": int(served.loaded_at),
                        "owned_by": "tuneline",
                        "registry_version": served.version,
                        "alias": alias,
                        "uri": served.ref.uri,
                        "fingerprint": served.fingerprint,
                        "route": "champion" if champion else member.settings.routing,
                    }
                )
    if router is not None:
        policy = router.policy
        cards.append({"id": policy.router_model, "object": "model", "created": 0, "owned_by": "tuneline",
                      "routes_to": policy.models, "fallback": policy.fallback_model})  # fmt: skip
    return cards


def install_error_handlers(app: FastAPI, metrics: ServingMetrics) -> None:
    """Every error answers {"error": {message, type, param, code}}, and is counted by type."""

    def answer(status: int, body: dict, headers: dict | None = None) -> JSONResponse:
        metrics.errors.labels(type=body["error"]["type"]).inc()
        return JSONResponse(body, status_code=status, headers=headers)

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return answer(exc.status, exc.body(), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        message, param = validation_message(list(exc.errors()))
        return answer(422, error_body(message, "invalid_request_error", "invalid_request", param))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code)
        return answer(exc.status_code, error_body(str(exc.detail), "invalid_request_error", code))

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return answer(500, error_body(f"internal error: {type(exc).__name__}", "server_error"))


class RequestMetrics:
    """ASGI middleware: count each response by endpoint and status, and time it to its last byte."""

    def __init__(self, app, metrics: ServingMetrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        endpoint = scope["path"] if scope["path"] in KNOWN_PATHS else "other"
        started, status, recorded = time.perf_counter(), [500], [False]

        def record() -> None:
            if not recorded[0]:
                recorded[0] = True
                self.metrics.requests.labels(endpoint=endpoint, status=str(status[0])).inc()
                self.metrics.latency.labels(endpoint=endpoint).observe(time.perf_counter() - started)

        async def send_and_watch(message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                record()

        try:
            await self.app(scope, receive, send_and_watch)
        finally:
            record()
