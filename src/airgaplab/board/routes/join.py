"""Joining a seat by its short code instead of a link with a long token: the member opens /join (or scans the
seat's QR code), types the code, and their browser keeps the seat's token in a cookie (HttpOnly, this site only)
from then on. The leader prints or projects the codes: /board/codes.
"""

from __future__ import annotations

import segno
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup

from airgaplab.board.web import COOKIE, leader, page, tokens
from airgaplab.classroom.roster import Roster

router = APIRouter()
DAYS = 2  # how long a browser keeps a seat (a session and its follow-up)


@router.get("/join", response_model=None)
def join(request: Request, code: str | None = None) -> Response:
    """The code's seat, its token kept in a cookie; without a code (or a wrong one), the form to type it in."""
    if not code:
        return page("join.html", wrong=None)
    tok = tokens()
    seat = tok.seat_of_code(code)
    if seat is None:
        got = page("join.html", wrong=code[:12])
        got.status_code = 404
        return got
    back = RedirectResponse(f"/seat/{seat}", status_code=303)
    back.set_cookie(COOKIE, tok.seats[seat], max_age=DAYS * 86400, httponly=True, samesite="strict",
                    secure=request.url.scheme == "https")
    return back


@router.get("/board/codes", response_class=HTMLResponse)
def codes(request: Request, t: str | None = None) -> HTMLResponse:
    """Each seat's code and a QR code of its join link, to print or to show the room."""
    tok = leader(t)
    base = str(request.base_url).rstrip("/")
    seats = [(s.name, tok.codes[s.name], Markup(segno.make(f"{base}/join?code={tok.codes[s.name]}").svg_inline(
        scale=4, title=f"join {s.name}"))) for s in Roster.needed().seats]
    return page("codes.html", token=t, seats=seats, join=f"{base}/join")
