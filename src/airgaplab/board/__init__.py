"""The class in a browser: a board for the person leading, a page per seat with its steps, its help and a
terminal per host — served by `airgaplab class board` (FastAPI on uvicorn, every asset local).

    tokens.py     who may see what: the leader's token, one token per seat (kept 0600 beside the roster)
    watch.py      every seat's progress, kept fresh: a seat is graded again when its hosts change, and
                  every so often anyway; raised hands, help asked for and hints sent
    terminal.py   a seat's host in a pseudo-terminal: `airgaplab shell` bridged to a websocket
    app.py        the web application: pages, live updates (server-sent events), actions, terminals

May import: classroom, exercise, backends, suite, lab and the foundation.
"""
