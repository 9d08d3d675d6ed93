"""summary.html: one self-contained page (inline CSS and SVG, no script, no network)."""

from __future__ import annotations

import re
from html import escape
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

TEMPLATES = Path(__file__).parent / "templates"
MAX_DRAWN_NODES = 10


def topology_svg(topo: dict[str, Any], failing: set[str] | None = None) -> str:
    """Internet on top, the servers under it, the nodes in a row below, edges labelled with the services."""
    hosts = topo["hosts"]
    servers = [h for h in hosts if any(r.endswith("-server") for r in h["roles"])] or hosts[:1]
    nodes = [h for h in hosts if h not in servers]
    drawn = nodes[:MAX_DRAWN_NODES]
    width = max(640, 150 * max(len(drawn), 1) + 40)
    pos: dict[str, tuple[float, float]] = {}
    parts = [f'<svg id="topology" xmlns="http://www.w3.org/2000/svg" width="{width}" height="330" '
             f'viewBox="0 0 {width} 330" role="img" aria-label="lab topology">']
    cx = width / 2
    parts.append(f'<ellipse cx="{cx}" cy="40" rx="120" ry="28" class="cloud"/>'
                 f'<text x="{cx}" y="45" class="lbl">internet</text>')
    for i, h in enumerate(servers):
        x = cx + (i - (len(servers) - 1) / 2) * 180
        pos[h["name"]] = (x, 150)
        if h["internet"]:
            parts.append(f'<line x1="{x}" y1="130" x2="{cx}" y2="68" class="edge up"/>')
    parts.append(f'<rect x="20" y="205" width="{width - 40}" height="16" rx="4" class="lan"/>'
                 f'<text x="30" y="217" class="small" style="text-anchor:start">'
                 f'internal network {escape(topo["network"])}</text>')
    for i, h in enumerate(drawn):
        x = 20 + 150 * i + 75 + (width - 40 - 150 * len(drawn)) / 2
        pos[h["name"]] = (x, 280)
    for e in topo["serves"]:
        if e["from"] in pos and e["to"] in pos:
            (x1, y1), (x2, y2) = pos[e["from"]], pos[e["to"]]
            off = -6 if e["what"] == "NTP" else 6
            title = f'{e["from"]} serves {e["what"]} to {e["to"]}'
            parts.append(f'<line x1="{x1 + off}" y1="{y1 + 22}" x2="{x2 + off}" y2="{y2 - 22}" '
                         f'class="edge {e["what"].lower()}"><title>{title}</title></line>')
    for h in [*servers, *drawn]:
        x, y = pos[h["name"]]
        bad = h["name"] in (failing or set())
        parts.append(f'<g class="host{" failing" if bad else ""}"><rect x="{x - 65}" y="{y - 22}" width="130" '
                     f'height="44" rx="6"><title>{escape(h["name"])}{": requirements fail here" if bad else ""}'
                     f'</title></rect><text x="{x}" y="{y - 3}" class="lbl">{"✗ " if bad else ""}'
                     f'{escape(h["name"])}</text>'
                     f'<text x="{x}" y="{y + 13}" class="small">{escape(h["ip"])}</text></g>')
    if len(nodes) > len(drawn):
        parts.append(f'<text x="{width - 30}" y="320" class="small" style="text-anchor:end">'
                     f'… and {len(nodes) - len(drawn)} more nodes</text>')
    parts.append('<g class="legend"><line x1="20" y1="20" x2="50" y2="20" class="edge ntp"/>'
                 '<text x="56" y="24" class="small" style="text-anchor:start">NTP</text>'
                 '<line x1="20" y1="38" x2="50" y2="38" class="edge dns"/>'
                 '<text x="56" y="42" class="small" style="text-anchor:start">DNS</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def line_chart(chart_id: str, title: str, runs: list[tuple[str, float | None]], unit: str,
               missing: str = "") -> str:
    """A small SVG line chart over the runs (date, value): axis labels, first and last date, one circle per
    value (data-points says how many); a run without a value is marked `missing` (e.g. "not synchronized")."""
    w, h, pad, left = 340, 170, 38, 44
    pts = [(i, v) for i, (_, v) in enumerate(runs) if v is not None]
    parts = [f'<svg id="{chart_id}" data-points="{len(pts)}" xmlns="http://www.w3.org/2000/svg" width="{w}" '
             f'height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{escape(title)}">',
             f'<text x="{w / 2}" y="16" class="lbl">{escape(title)}</text>',
             f'<line x1="{left}" y1="{h - pad}" x2="{w - 10}" y2="{h - pad}" class="axis"/>',
             f'<line x1="{left}" y1="{h - pad}" x2="{left}" y2="26" class="axis"/>',
             f'<text x="12" y="{(h - pad + 26) / 2}" class="small" transform="rotate(-90 12 {(h - pad + 26) / 2})">'
             f'{escape(unit)}</text>',
             f'<text x="{(w + left) / 2}" y="{h - 4}" class="small">run (UTC date)</text>']
    n = max(len(runs) - 1, 1)

    def x_of(i: int) -> float:
        return left + (w - left - 20) * i / n

    top = max((v for _, v in pts), default=0.0) or 1.0
    if runs:
        parts.append(f'<text x="{x_of(0)}" y="{h - pad + 14}" class="small">{escape(runs[0][0][:10])}</text>')
        if len(runs) > 1:
            parts.append(f'<text x="{x_of(len(runs) - 1)}" y="{h - pad + 14}" class="small">'
                         f'{escape(runs[-1][0][:10])}</text>')
    coords = [(x_of(i), (h - pad) - (h - pad - 34) * v / top) for i, v in pts]
    if len(coords) > 1:
        parts.append('<polyline class="series" points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in coords) + '"/>')
    for (x, y), (i, v) in zip(coords, pts, strict=True):
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" class="point"><title>{escape(runs[i][0])}: '
                     f'{v:g} {escape(unit)}</title></circle>')
    for i, (when, value) in enumerate(runs):
        if value is None and missing:
            parts.append(f'<text x="{x_of(i):.1f}" y="34" class="small nosync">✗<title>{escape(when)}: '
                         f'{escape(missing)}</title></text>')
    parts.append(f'<text x="{left - 4}" y="34" class="small" style="text-anchor:end">{top:g}</text>'
                 f'<text x="{left - 4}" y="{h - pad}" class="small" style="text-anchor:end">0</text>')
    if not runs:
        parts.append(f'<text x="{w / 2}" y="{h / 2}" class="small">no data yet</text>')
    parts.append("</svg>")
    return "".join(parts)


def _slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")


def _code(text: str) -> Markup:
    """`backticks` as <code>, everything else escaped."""
    parts = str(text).split("`")
    return Markup("".join(f"<code>{escape(p)}</code>" if i % 2 else escape(p) for i, p in enumerate(parts)))


def render(summary: dict[str, Any], allure_report: bool = False) -> str:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    history = summary["history"]
    hosts: list[str] = []
    for r in summary["requirements"]:
        for host in r["results"]:
            if host not in hosts:
                hosts.append(host)
    node_names = {h["name"] for h in summary["topology"]["hosts"] if not any(
        x.endswith("-server") for x in h["roles"])}
    collapse = len([h for h in hosts if h in node_names]) > 6
    columns = sorted([h for h in hosts if not (collapse and h in node_names)], key=lambda h: (h != "lab", h))
    if collapse:
        columns.append("nodes")
    dated = [x["finished"] for x in history]
    charts = [
        line_chart("chart-pass", "requirements passed", list(zip(dated, [float(x["requirements_passed"])
                                                                         for x in history], strict=True)), "passed"),
        line_chart("chart-sync", "time to NTP sync", list(zip(dated, [x.get("ntp_sync_max_s") for x in history],
                                                              strict=True)), "seconds", missing="not synchronized"),
    ]
    failing = {f["host"] for r in summary["requirements"] for f in r["failures"]}  # "lab": no single host
    env.filters["code"] = _code
    env.filters["slug"] = _slug
    return env.get_template("summary.html.j2").render(
        s=summary, columns=columns, node_names=node_names, collapse=collapse,
        topology=Markup(topology_svg(summary["topology"], failing)), charts=[Markup(c) for c in charts],
        allure_report=allure_report,
    )
