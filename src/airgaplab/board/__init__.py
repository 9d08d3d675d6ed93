"""The class in a browser: a board for the person leading, a page per seat with its steps, its help and a
terminal per host — served by `airgaplab class board` (FastAPI on uvicorn, every asset local).

    tokens.py     who may see what: the leader's token, one token per seat (kept 0600 beside the roster)
    watch.py      every seat's progress, kept fresh: a seat is graded again when its hosts change, and
                  every so often anyway; raised hands, help asked for, hints, messages and the leader's actions
    records.py    what the board keeps of a seat and shows of it (SeatShown: typed until the wire)
    story.py      the session's story: who did what, when (kept with the class, exported as CSV and JSON)
    terminal.py   a seat's host in a pseudo-terminal: `airgaplab shell` bridged to a websocket
    app.py        the web application: the routers of routes/ (board, seat, terminal) over web.py (tokens,
                  pages, live updates as server-sent events — where the typed views become JSON)

Its web stack is an extra (`pip install -e '.[class]'`; `make venv` installs it): nothing else of airgaplab needs it.
May import: classroom, exercise, backends, suite, lab and the foundation.
"""

from __future__ import annotations

INSTALL = "pip install -e '.[class]'"


def web_stack_missing() -> str | None:
    """Why the board cannot be served here (its web stack is not installed), with the fix; None when it can."""
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
        import websockets  # noqa: F401
    except ImportError as e:
        return f"the class board's web stack is not installed ({e.name}) — `{INSTALL}` in airgaplab's venv " \
               "(`make venv` installs it)"
    return None
