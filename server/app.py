"""The Starlette application: routes, and the lifespan that opens storage and the rooms."""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from server import api, logs, openapi
from server.bus import open_bus
from server.connection import KeepSend
from server.credential_watch import CredentialWatch
from server.diagnostics import install_stack_dump
from server.rooms import Rooms
from server.settings import Settings
from server.storage import Storage
from server.sync import sync_endpoint

log = logging.getLogger(__name__)

WEB_DIST = Path(__file__).resolve().parents[1] / "client" / "web" / "dist"


async def openapi_json(request: Request) -> JSONResponse:
    return JSONResponse(openapi.schema())


async def health(request: Request) -> JSONResponse:
    rooms: Rooms = request.app.state.rooms
    return JSONResponse({"ok": True, "rooms": [r.describe() for r in rooms.loaded()]})


async def no_client(request: Request) -> Response:
    return Response(
        "Rolling Text server. The browser client is not built (npm run build in client/web).",
        media_type="text/plain",
    )


def freeze_startup_objects() -> None:
    """Once per process, at the first start: what exists then lives as long as the process
    (modules, mappers, the app), so keep it out of the collector's full passes, which would
    otherwise re-scan it every time under load (a pause in every client's latency)."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()


_frozen = False


def create_app(settings: Settings | None = None, storage: Storage | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    logs.install()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        store = storage or Storage.open(settings.database_url)
        store.migrate()
        app.state.settings = settings
        bus = open_bus(settings.redis_url, store.installation_id())
        app.state.rooms = Rooms(store, settings, bus)
        await app.state.rooms.start()
        app.state.credentials = CredentialWatch(store, per_token=settings.connections_per_token)
        app.state.credentials.start()
        log.info("serving drafts from %r", store)
        freeze_startup_objects()
        install_stack_dump()
        try:
            yield
        finally:
            await app.state.credentials.stop()
            await app.state.rooms.close()
            if storage is None:
                store.close()

    web_root = Path(settings.web_root) if settings.web_root else WEB_DIST
    routes: list[Route | WebSocketRoute | Mount] = [
        WebSocketRoute("/drafts/{draft_id}/sync", sync_endpoint),
        Route("/openapi.json", openapi_json),
        Route("/healthz", health),
        *api.routes(),
    ]
    if web_root.is_dir():
        routes.append(Mount("/", StaticFiles(directory=web_root, html=True), name="web"))
    else:
        routes.append(Route("/", no_client))
    return Starlette(routes=routes, lifespan=lifespan, middleware=[Middleware(KeepSend)])
