"""The board's web application: the leader's board, each member's seat page, their live updates, the actions and
the terminals — a router each (board/routes/), over what they share (board/web.py). Every request names its token
(`?t=`); a seat's token opens that seat only, the leader's all.

    app = make_app(watcher)                      # served by uvicorn (`airgaplab class board`)
    /board?t=LEADER                              the class at a glance; actions per seat and for the room
    /seat/seat-02?t=SEAT                         the member's steps, help, and a terminal per host
"""

from __future__ import annotations

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, PlainTextResponse
from fastapi.staticfiles import StaticFiles

from airgaplab.board.routes import board, join, projector, seat, terminal
from airgaplab.board.watch import Watcher
from airgaplab.board.web import HERE
from airgaplab.errors import LabError, UserError
from airgaplab.paths import PACKAGE_DIR

NODE = PACKAGE_DIR.parents[1] / "node_modules"  # npm's copy in the checkout (make board-assets): never a CDN
KR = "@fontsource/noto-sans-kr"
# the terminal (xterm.js) and a Korean font (the notes' comments, the pages in Korean: a room's machines may have none)
ASSETS = {"xterm.js": "@xterm/xterm/lib/xterm.js", "xterm.css": "@xterm/xterm/css/xterm.css",
          "addon-fit.js": "@xterm/addon-fit/lib/addon-fit.js", "noto-sans-kr.css": f"{KR}/korean-400.css",
          "files/noto-sans-kr-korean-400-normal.woff2": f"{KR}/files/noto-sans-kr-korean-400-normal.woff2",
          "files/noto-sans-kr-korean-400-normal.woff": f"{KR}/files/noto-sans-kr-korean-400-normal.woff"}


def assets_missing() -> str | None:
    """What of the pages' assets is missing, with the fix; None when all are there."""
    gone = [f for f in ASSETS.values() if not (NODE / f).is_file()]
    return f"the board's assets are missing ({NODE / gone[0]}) — run `make board-assets` (npm ci)" if gone else None


def make_app(watcher: Watcher) -> FastAPI:
    app = FastAPI(title="airgaplab class board", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.watcher = watcher
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for r in (board.router, seat.router, terminal.router, projector.router, join.router):
        app.include_router(r)

    @app.get("/assets/{name:path}")
    def asset(name: str) -> FileResponse:
        if name not in ASSETS or not (NODE / ASSETS[name]).is_file():
            raise HTTPException(404, assets_missing() or f"no asset {name}")
        return FileResponse(NODE / ASSETS[name], headers={"Cache-Control": "max-age=86400"})

    @app.exception_handler(UserError)
    async def user_error(_request: Request, e: UserError) -> PlainTextResponse:
        return PlainTextResponse(str(e), status_code=400)

    @app.exception_handler(LabError)
    async def lab_error(_request: Request, e: LabError) -> PlainTextResponse:
        return PlainTextResponse(str(e), status_code=500)

    return app
