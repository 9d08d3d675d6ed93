"""What the board keeps of a session (no lab, no browser): its story, who made a step pass, what a member is told.
The same on real seats in a real browser: tests/lab/test_board_session.py."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from airgaplab.board.story import Story
from airgaplab.board.watch import Watcher
from airgaplab.classroom.progress import SeatView, StepView


def view(*passing: bool) -> SeatView:
    return SeatView("seat-01", "", "up", [StepView(n, f"step{n}", int(p), 1) for n, p in enumerate(passing, 1)])


def test_the_story_is_kept_with_the_class_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "story.jsonl"
    s = Story(path)
    s.add("seat-01", "member", "hand", "raised a hand")
    s.add("", "leader", "message", "to the room: break")
    s.add("seat-02", "leader", "hint", "hint: allow")
    path.write_text(path.read_text() + '{"at": 1, "se')  # a line cut short by a killed board
    again = Story(path)
    assert [e.text for e in again.recent(5)] == ["hint: allow", "to the room: break", "raised a hand"]
    assert [e.what for e in again.recent(5, seat="seat-01")] == ["message", "hand"]  # its own and the room's
    rows = list(csv.DictReader(io.StringIO(again.csv())))
    assert [r["who"] for r in rows] == ["member", "leader", "leader"] and rows[1]["seat"] == ""


def test_a_step_made_to_pass_is_the_leaders_when_its_solve_covered_it_else_the_members() -> None:
    w = Watcher(Story(None))
    rec = w._rec("seat-01")
    w._passed("seat-01", rec, None, view(True, False, False, False))
    assert rec.solved_by == {1: "start"}  # passing when first seen: not this session's work
    w.solving("seat-01", 2)
    w._passed("seat-01", rec, view(True, False, False, False), view(True, True, False, False))
    w._passed("seat-01", rec, view(True, True, False, False), view(True, True, True, False))
    assert rec.solved_by == {1: "start", 2: "leader", 3: "member"}
    assert [e.text for e in w.story.recent(5)] == ["step 3 step3 passed", "step 2 step2 passed (solved by the leader)"]
    w._passed("seat-01", rec, view(True, True, True, False), view(False, True, True, False))  # a drill broke step 1
    assert 1 not in rec.solved_by
    w.leader_did("seat-01", "reset", "reset to bare", reset=True)
    assert rec.solved_by == {} and rec.leader_upto == 0


def test_a_member_is_told_what_the_leader_did_and_the_room_hears_a_message() -> None:
    w = Watcher(Story(None))
    w.raise_hand("seat-02", True)
    w.raise_hand("seat-02", True)  # raised already: nothing new
    w.raise_hand("seat-02", False, by="leader")
    w.message(["seat-01", "seat-02"], "break in 5")
    w.leader_did("seat-02", "solve", "the leader solved steps 1–1 on this seat")
    shown = w.seat("seat-02").as_json()
    assert shown["hand"] is None and [n["kind"] for n in shown["notices"]] == ["message", "action"]
    assert shown["now"] > 0 and shown["graded_at"] is None  # not graded yet: the page says "grading"
    assert [n["text"] for n in w.seat("seat-01").as_json()["notices"]] == ["break in 5"]
    assert [(e.who, e.what) for e in w.story.recent(9)][::-1] == [
        ("member", "hand"), ("leader", "hand"), ("leader", "message"), ("leader", "solve")]
    assert w.checked("seat-02") <= w.seat("seat-02").asked_at
