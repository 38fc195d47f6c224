"""The HTML report: one self-contained page an admin can attach to a ticket.

Everything is inline: the CSS, and the charts as SVG. Nothing is fetched (a
Content-Security-Policy in the page forbids it) and there is no script, so the file opens
the same anywhere, offline, years later. Every value that came from Sentry is escaped.

Sections, top to bottom: the organization and the audit's facts; what could not be read
(when anything could not); totals; findings grouped by severity, each rule with what to do;
projects with their event volume over the period as a small chart; the projects that
received nothing; members with their role and 2FA; coverage of every section.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Any

from sentry_async import __version__

from ._findings import ACTIONS, SEVERITIES, Finding
from ._model import CHECKED
from ._report import Report, iso, shown_total

__all__ = ["render_html", "sparkline"]

_SPARK_W = 120
_SPARK_H = 28
#: Findings listed per rule before the rest fold away under "show all".
_OPEN_ROWS = 8

_CSS = """
:root{--fg:#1d2330;--muted:#5d6577;--line:#e3e6ec;--bg:#f6f7f9;--card:#fff;
--high:#c0262d;--high-bg:#fdecec;--medium:#a35a00;--medium-bg:#fff3e0;--low:#1f5fbf;
--low-bg:#e8f0fc;--info:#566074;--info-bg:#eef0f4;--ok:#1d7a46;--ok-bg:#e6f4ec;
--accent:#5b3fd1}
*{box-sizing:border-box}
html{font-size:15px}
body{margin:0;background:var(--bg);color:var(--fg);line-height:1.5;
font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Helvetica Neue",Arial,
"Noto Sans",sans-serif;-webkit-font-smoothing:antialiased}
main{max-width:1120px;margin:0 auto;padding:32px 28px 64px}
h1{font-size:1.9rem;margin:0 0 4px;letter-spacing:-.01em}
h1 .slug{color:var(--muted);font-weight:400;font-size:1.2rem;margin-left:.4em}
h2{font-size:1.25rem;margin:40px 0 12px;padding-bottom:6px;border-bottom:2px solid var(--line)}
h2 .count{color:var(--muted);font-weight:400}
h3{font-size:1.05rem;margin:22px 0 8px;display:flex;align-items:center;gap:10px}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.86em}
header{border-bottom:1px solid var(--line);padding-bottom:18px}
.eyebrow{text-transform:uppercase;letter-spacing:.08em;font-size:.75rem;color:var(--accent);
font-weight:600}
dl.facts{display:flex;flex-wrap:wrap;gap:6px 28px;margin:14px 0 0}
dl.facts div{display:flex;gap:6px}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0;font-weight:500}
.status{display:inline-block;padding:2px 10px;border-radius:999px;font-size:.8rem;
font-weight:600}
.status.complete{background:var(--ok-bg);color:var(--ok)}
.status.partial{background:var(--medium-bg);color:var(--medium)}
.callout{margin:22px 0 0;padding:14px 18px;border-radius:8px;border:1px solid;
background:var(--medium-bg);border-color:#f2cf9a}
.callout strong{color:var(--medium)}
.callout ul{margin:6px 0 0;padding-left:20px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:12px}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:12px 14px}
.card .n{font-size:1.6rem;font-weight:650;font-variant-numeric:tabular-nums;line-height:1.2}
.card .l{color:var(--muted);font-size:.82rem}
.card.high .n{color:var(--high)}.card.medium .n{color:var(--medium)}
.card.low .n{color:var(--low)}.card.info .n{color:var(--info)}
.card.unread{border-style:dashed}.card.unread .n{color:var(--medium);font-size:1.1rem;
line-height:2.2rem}
.sev{display:inline-block;min-width:64px;text-align:center;padding:2px 8px;border-radius:6px;
font-size:.75rem;font-weight:700;text-transform:uppercase;letter-spacing:.04em}
.sev.high{background:var(--high-bg);color:var(--high)}
.sev.medium{background:var(--medium-bg);color:var(--medium)}
.sev.low{background:var(--low-bg);color:var(--low)}
.sev.info{background:var(--info-bg);color:var(--info)}
.rule{background:var(--card);border:1px solid var(--line);border-radius:10px;margin:10px 0;
overflow-x:auto}
.rule>.head{padding:10px 14px;display:flex;gap:12px;align-items:baseline;flex-wrap:wrap}
.rule .name{font-weight:600}
.rule .todo{color:var(--muted)}
.rule .todo:before{content:"\\2192  "}
.rule .n{margin-left:auto;color:var(--muted);font-variant-numeric:tabular-nums}
.rule.high{border-left:4px solid var(--high)}.rule.medium{border-left:4px solid var(--medium)}
.rule.low{border-left:4px solid var(--low)}.rule.info{border-left:4px solid var(--info)}
table{width:100%;border-collapse:collapse;background:var(--card);font-size:.92rem}
.box{border:1px solid var(--line);border-radius:10px;overflow-x:auto;background:var(--card)}
th,td{padding:7px 12px;text-align:left;vertical-align:middle;border-top:1px solid var(--line)}
th{background:#fafbfc;font-weight:600;color:var(--muted);font-size:.78rem;
text-transform:uppercase;letter-spacing:.04em;border-top:0}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
tbody tr:nth-child(even){background:#fbfbfd}
.rule table td{border-top:1px solid var(--line)}
.rule td.subject{white-space:nowrap;width:1%}
details>summary{cursor:pointer;padding:8px 14px;color:var(--accent);font-weight:500;
border-top:1px solid var(--line);list-style:none}
details>summary::-webkit-details-marker{display:none}
details[open]>summary{display:none}
.badge{display:inline-block;padding:1px 8px;border-radius:999px;font-size:.78rem;
font-weight:600}
.badge.yes{background:var(--ok-bg);color:var(--ok)}
.badge.no{background:var(--high-bg);color:var(--high)}
.badge.unknown{background:var(--info-bg);color:var(--info)}
.badge.pending{background:var(--low-bg);color:var(--low)}
.state{font-weight:600}
.state.checked{color:var(--ok)}.state.not_available{color:var(--medium)}
.state.failed{color:var(--high)}.state.not_run{color:var(--info)}
.muted{color:var(--muted)}
svg.spark{display:block}
svg.spark .area{fill:rgba(91,63,209,.12)}
svg.spark .line{fill:none;stroke:var(--accent);stroke-width:1.5;stroke-linejoin:round}
svg.spark.flat .line{stroke:#b5bac6}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:16px}
@media (max-width:760px){.cols{grid-template-columns:1fr}main{padding:20px 14px 40px}
.rule td.subject{white-space:normal;word-break:break-all}}
footer{margin-top:48px;color:var(--muted);font-size:.82rem}
@media print{body{background:#fff}details>summary{display:none}details>*{display:block}}
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _num(value: int | None) -> str:
    return "&mdash;" if value is None else f"{value:,}"


def sparkline(series: Sequence[int] | None, *, label: str = "") -> str:
    """A small SVG line chart of ``series`` (oldest first); an em dash when None."""
    if series is None:
        return '<span class="muted" title="not read">&mdash;</span>'
    values = list(series) or [0]
    top = max(values)
    flat = top == 0
    step = _SPARK_W / max(1, len(values) - 1)
    usable = _SPARK_H - 4

    def y(v: int) -> float:
        return _SPARK_H - 2 - (usable * v / top if top else 0)

    points = [(round(n * step, 1), round(y(v), 1)) for n, v in enumerate(values)]
    if len(points) == 1:
        points.append((float(_SPARK_W), points[0][1]))
    line = " ".join(f"{x},{yy}" for x, yy in points)
    area = f"0,{_SPARK_H} {line} {_SPARK_W},{_SPARK_H}"
    title = f"{label}: {sum(values):,} events, peak {top:,} per bucket" if label else ""
    return (
        f'<svg class="spark{" flat" if flat else ""}" width="{_SPARK_W}" height="{_SPARK_H}" '
        f'viewBox="0 0 {_SPARK_W} {_SPARK_H}" role="img" aria-label="{_e(title)}" '
        f'data-points="{len(values)}"><title>{_e(title)}</title>'
        f'<polygon class="area" points="{area}"/><polyline class="line" points="{line}"/></svg>'
    )


def _table(
    headers: Sequence[tuple[str, str]], rows: Iterable[Sequence[str]], *, cls: str = ""
) -> str:
    """Rows of already-escaped cells; ``headers`` are (label, css class) pairs."""
    head = "".join(f'<th class="{c}">{_e(h)}</th>' for h, c in headers)
    body = "".join(
        "<tr>"
        + "".join(f'<td class="{headers[n][1]}">{cell}</td>' for n, cell in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _yes_no(value: bool | None, *, yes: str = "yes", no: str = "no") -> str:
    if value is None:
        return '<span class="badge unknown">unknown</span>'
    return (
        f'<span class="badge yes">{yes}</span>' if value else f'<span class="badge no">{no}</span>'
    )


def _sso(linked: bool | None) -> str:
    # Not linked is only worth a colour when the org uses SSO; stay neutral here.
    if linked:
        return '<span class="badge yes">linked</span>'
    return f'<span class="badge unknown">{"no" if linked is False else "unknown"}</span>'


# --------------------------------------------------------------------------- sections


def _header(report: Report) -> str:
    org = report.org
    name = org.get("name") or org["slug"]
    status = (
        '<span class="status partial">partial</span>'
        if report.partial
        else '<span class="status complete">complete</span>'
    )
    # One entry per fact: the region (when known) is one more line here.
    facts = [
        ("Organization", f"<code>{_e(org['slug'])}</code>"),
        ("Generated", _e(iso(report.generated_at))),
        ("Events over", f"the last {_e(report.stats_period)}"),
        ("2FA required", _yes_no(org.get("require_2fa"))),
        ("Audit", status),
    ]
    items = "".join(f"<div><dt>{label}</dt><dd>{value}</dd></div>" for label, value in facts)
    return (
        '<header><div class="eyebrow">Sentry organization audit</div>'
        f'<h1>{_e(name)}<span class="slug">{_e(org["slug"])}</span></h1>'
        f'<dl class="facts">{items}</dl></header>'
    )


def _unread(report: Report) -> str:
    rows = [(n, e) for n, e in report.coverage.items() if e["state"] != CHECKED]
    if not rows and not report.errors:
        return ""
    intro = (
        "The audit was interrupted; what follows covers what was gathered."
        if report.interrupted
        else "Not everything could be read, so the organization may be in a worse state "
        "than this report shows."
    )
    items = []
    for name, entry in rows:
        text = f"<b>{_e(name.replace('_', ' '))}</b>: {_e(entry['state'].replace('_', ' '))}"
        if entry["why"]:
            text += f" &mdash; {_e(entry['why'])}"
        if entry["scope"] and entry["state"] == "not_available":
            text += f" (a token with the <code>{_e(entry['scope'])}</code> scope would read it)"
        items.append(f"<li>{text}</li>")
    if report.errors:
        items.append(f"<li>{len(report.errors):,} items failed to read (listed below)</li>")
    return (
        f'<section id="unread" class="callout"><strong>Partial audit.</strong> {intro}'
        f"<ul>{''.join(items)}</ul></section>"
    )


def _totals(report: Report) -> str:
    t = report.totals
    cards = [
        ("projects", shown_total(report, "projects"), ""),
        ("members (joined)", shown_total(report, "members"), ""),
        ("pending invites, counted apart", shown_total(report, "pending_invites"), ""),
        (f"events, last {report.stats_period}", shown_total(report, "events_in_period"), ""),
        ("client keys", shown_total(report, "client_keys"), ""),
        ("service hooks", shown_total(report, "service_hooks"), ""),
    ]
    cards += [(f"{s} findings", f"{t[f'findings_{s}']:,}", s) for s in SEVERITIES]
    html = "".join(
        f'<div class="card {cls}{" unread" if value == "not read" else ""}">'
        f'<div class="n">{_e(value)}</div><div class="l">{_e(label)}</div></div>'
        for label, value, cls in cards
    )
    return f'<section id="totals"><h2>Totals</h2><div class="cards">{html}</div></section>'


def _rule(rule: str, severity: str, found: list[Finding]) -> str:
    rows = [
        f'<tr><td class="subject mono">{_e(f.subject)}</td><td>{_e(f.message)}</td></tr>'
        for f in found
    ]
    shown = "".join(rows[:_OPEN_ROWS])
    rest = ""
    if len(rows) > _OPEN_ROWS:
        rest = (
            f"<details><summary>show {len(rows) - _OPEN_ROWS:,} more</summary>"
            f"<table><tbody>{''.join(rows[_OPEN_ROWS:])}</tbody></table></details>"
        )
    return (
        f'<div class="rule {severity}" data-rule="{_e(rule)}">'
        f'<div class="head"><span class="name mono">{_e(rule)}</span>'
        f'<span class="todo">{_e(ACTIONS.get(rule, "see each finding"))}</span>'
        f'<span class="n">{len(found):,}</span></div>'
        f"<table><tbody>{shown}</tbody></table>{rest}</div>"
    )


def _findings(report: Report) -> str:
    parts = [
        f'<section id="findings"><h2>Findings <span class="count">{len(report.findings):,}'
        "</span></h2>"
    ]
    if not report.findings:
        parts.append('<p class="muted">No findings in what was read.</p>')
    for severity in SEVERITIES:
        found = [f for f in report.findings if f.severity == severity]
        if not found:
            continue
        parts.append(
            f'<h3 id="severity-{severity}"><span class="sev {severity}">{severity}</span>'
            f'<span class="muted">{len(found):,} findings</span></h3>'
        )
        by_rule: dict[str, list[Finding]] = {}
        for finding in found:
            by_rule.setdefault(finding.rule, []).append(finding)
        for rule in sorted(by_rule, key=lambda r: (-len(by_rule[r]), r)):
            parts.append(_rule(rule, severity, by_rule[rule]))
    parts.append("</section>")
    return "".join(parts)


def _checks(project: dict[str, Any]) -> str:
    if not project["audited"]:
        return '<span class="state not_run">not reached</span>'
    bad = [(n, c) for n, c in project["checks"].items() if c["state"] != CHECKED]
    if not bad:
        return '<span class="state checked">read</span>'
    return "<br>".join(
        f'<span class="state {_e(c["state"])}" title="{_e(c["why"])}">'
        f"{_e(n.replace('_', ' '))}: {_e(c['state'].replace('_', ' '))}</span>"
        for n, c in bad
    )


def _projects(report: Report) -> str:
    state = report.coverage.get("projects", {}).get("state")
    if state != CHECKED and not report.projects:
        return (
            '<section id="projects"><h2>Projects</h2><p class="muted">The projects could not '
            "be read.</p></section>"
        )
    resolution = {"1d": "per day", "1h": "per hour"}.get(report.series_resolution or "", "")
    ordered = sorted(report.projects, key=lambda p: (-(p["events_in_period"] or 0), p["slug"]))
    rows = [
        (
            f'<span class="mono">{_e(p["slug"])}</span>',
            _e(p["platform"] or ""),
            _e(p["team"] or ""),
            _num(p["events_in_period"]),
            sparkline(p["event_series"], label=p["slug"]),
            _num(len(p["keys"]) if p["keys"] is not None else None),
            _num(len(p["hooks"]) if p["hooks"] is not None else None),
            _checks(p),
        )
        for p in ordered
    ]
    table = _table(
        [
            ("Project", ""),
            ("Platform", ""),
            ("Team", ""),
            (f"Events ({report.stats_period})", "num"),
            (f"Volume {resolution}".strip(), "chart"),
            ("Keys", "num"),
            ("Hooks", "num"),
            ("Checks", ""),
        ],
        rows,
        cls="projects",
    )
    return (
        f'<section id="projects"><h2>Projects <span class="count">{len(rows):,}</span></h2>'
        f'<div class="box">{table}</div></section>'
    )


def _silent(report: Report) -> str:
    never = [p for p in report.projects if p["first_event"] is None]
    quiet = [
        p for p in report.projects if p["first_event"] is not None and p["events_in_period"] == 0
    ]
    if not never and not quiet:
        return ""

    def listing(title: str, projects: list[dict[str, Any]], what: str, cls: str) -> str:
        rows = [
            (
                f'<span class="mono">{_e(p["slug"])}</span>',
                _e(p["platform"] or ""),
                _e((p["first_event"] or p["date_created"] or "")[:10]),
            )
            for p in projects
        ]
        table = _table([("Project", ""), ("Platform", ""), (what, "")], rows, cls=cls)
        return (
            f'<div><h3>{_e(title)} <span class="muted">{len(rows):,}</span></h3>'
            f'<div class="box">{table}</div></div>'
        )

    parts = []
    if never:
        parts.append(listing("Never received an event", never, "Created", "never"))
    if quiet:
        title = f"Nothing in the last {report.stats_period}"
        parts.append(listing(title, quiet, "First event", "quiet"))
    return (
        '<section id="silent"><h2>Projects that received nothing</h2>'
        f'<div class="cols">{"".join(parts)}</div></section>'
    )


def _members(report: Report) -> str:
    if report.coverage.get("members", {}).get("state") != CHECKED and not report.members:
        return (
            '<section id="members"><h2>Members</h2><p class="muted">The members could not be '
            "read.</p></section>"
        )
    rank = {"owner": 0, "manager": 1, "admin": 2}
    ordered = sorted(
        report.members, key=lambda m: (m["pending"], rank.get(m["role"], 9), m["email"])
    )
    rows = []
    for m in ordered:
        if m["pending"]:
            status = f'<span class="badge pending">{_e(m["invite_status"] or "invited")}</span>'
            age = m["invite_age_days"]
            if age is not None:
                status += f' <span class="muted">{age:,} days</span>'
            two_fa = '<span class="muted">&mdash;</span>'
        else:
            status = "joined"
            two_fa = _yes_no(m["has_2fa"], yes="on", no="off")
        rows.append(
            (
                _e(m["email"]),
                _e(m["name"] or ""),
                _e(m["role"]),
                status,
                two_fa,
                _sso(m["sso_linked"]) if not m["pending"] else "",
            )
        )
    table = _table(
        [("Email", ""), ("Name", ""), ("Role", ""), ("Status", ""), ("2FA", ""), ("SSO", "")],
        rows,
        cls="members",
    )
    joined = sum(1 for m in report.members if not m["pending"])
    pending = len(report.members) - joined
    return (
        f'<section id="members"><h2>Members <span class="count">{joined:,} joined, '
        f"{pending:,} pending invites</span></h2>"
        f'<div class="box">{table}</div></section>'
    )


def _coverage(report: Report) -> str:
    rows = []
    for name, entry in report.coverage.items():
        counts = entry.get("projects") or {}
        detail = ", ".join(f"{n:,} {s.replace('_', ' ')}" for s, n in counts.items())
        rows.append(
            (
                _e(name.replace("_", " ")),
                f'<span class="state {_e(entry["state"])}">'
                f"{_e(entry['state'].replace('_', ' '))}</span>",
                _e(detail),
                _e(entry["why"] or ""),
                f"<code>{_e(entry['scope'])}</code>"
                if entry["scope"] and entry["state"] != CHECKED
                else "",
            )
        )
    table = _table(
        [("Section", ""), ("State", ""), ("Projects", ""), ("Why", ""), ("Needs scope", "")],
        rows,
        cls="coverage",
    )
    errors = ""
    if report.errors:
        items = "".join(f"<li>{_e(e)}</li>" for e in report.errors)
        errors = f'<h3>Errors</h3><ul class="errors">{items}</ul>'
    return (
        '<section id="coverage"><h2>What was read</h2>'
        f'<div class="box">{table}</div>{errors}</section>'
    )


def render_html(report: Report) -> str:
    """The report as one standalone HTML page (UTF-8 text)."""
    org = report.org
    title = f"Sentry audit: {org.get('name') or org['slug']} ({org['slug']})"
    body = "".join(
        [
            _header(report),
            _unread(report),
            _totals(report),
            _findings(report),
            _projects(report),
            _silent(report),
            _members(report),
            _coverage(report),
            f"<footer>Generated by sentry-async {_e(__version__)} on "
            f"{_e(iso(report.generated_at))}. The same data: "
            "<code>--format json</code>.</footer>",
        ]
    )
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="sentry-async {_e(__version__)}">'
        f"<title>{_e(title)}</title><style>{_CSS}</style></head>"
        f"<body><main>{body}</main></body></html>\n"
    )
