"""summary.html: one self-contained page (inline CSS and SVG, no script, no network)."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import jinja2

TEMPLATES = Path(__file__).parent / "templates"
MAX_DRAWN_NODES = 10


def topology_svg(topo: dict[str, Any]) -> str:
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
        parts.append(f'<g class="host"><rect x="{x - 65}" y="{y - 22}" width="130" height="44" rx="6"/>'
                     f'<text x="{x}" y="{y - 3}" class="lbl">{escape(h["name"])}</text>'
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


def line_chart(chart_id: str, title: str, values: list[float | None], unit: str) -> str:
    """A small SVG line chart; one circle per run (data-points says how many)."""
    pts = [(i, v) for i, v in enumerate(values) if v is not None]
    w, h, pad = 320, 150, 30
    parts = [f'<svg id="{chart_id}" data-points="{len(pts)}" xmlns="http://www.w3.org/2000/svg" width="{w}" '
             f'height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{escape(title)}">',
             f'<text x="{w / 2}" y="16" class="lbl">{escape(title)}</text>',
             f'<line x1="{pad}" y1="{h - pad}" x2="{w - 10}" y2="{h - pad}" class="axis"/>',
             f'<line x1="{pad}" y1="{h - pad}" x2="{pad}" y2="26" class="axis"/>']
    if pts:
        top = max(v for _, v in pts) or 1.0
        n = max(len(values) - 1, 1)
        coords = [(pad + (w - pad - 20) * i / n, (h - pad) - (h - pad - 34) * v / top) for i, v in pts]
        if len(coords) > 1:
            parts.append('<polyline class="series" points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in coords) + '"/>')
        for (x, y), (_, v) in zip(coords, pts, strict=True):
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" class="point"><title>{v:g} {unit}</title></circle>')
        parts.append(f'<text x="{pad - 4}" y="34" class="small" style="text-anchor:end">{top:g}</text>')
    else:
        parts.append(f'<text x="{w / 2}" y="{h / 2}" class="small">no data yet</text>')
    parts.append(f'<text x="{w - 10}" y="{h - 10}" class="small" style="text-anchor:end">runs →</text></svg>')
    return "".join(parts)


def render(summary: dict[str, Any]) -> str:
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
    charts = [
        line_chart("chart-pass", "requirements passed", [float(x["requirements_passed"]) for x in history], "passed"),
        line_chart("chart-sync", "time to NTP sync (s)", [x.get("ntp_sync_max_s") for x in history], "s"),
    ]
    return env.get_template("summary.html.j2").render(
        s=summary, columns=columns, node_names=node_names, collapse=collapse,
        topology=jinja2.filters.Markup(topology_svg(summary["topology"])),
        charts=[jinja2.filters.Markup(c) for c in charts],
    )
