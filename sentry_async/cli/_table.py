"""The default terminal summary: totals, then the findings grouped by rule with what to do.

:func:`summary` lays it out once; :func:`render_plain` prints it as aligned text (no control
codes: fine for pipes and files) and ``_richui.print_summary`` draws the same tables with
rich on a terminal. Every finding with its own message is in the json, csv and markdown
reports.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ._findings import ACTIONS, SEVERITIES
from ._report import Report, gaps, iso, shown_total

__all__ = ["EXAMPLES", "Summary", "render_plain", "summary"]

#: How many subjects the summary names per rule.
EXAMPLES = 5
_SUBJECT_WIDTH = 48


@dataclass(frozen=True)
class Summary:
    title: str
    subtitle: str
    notes: list[str]
    totals: list[tuple[str, str]]
    by_rule: list[tuple[str, str, str, str]]  # severity, rule, count, what to do
    examples: list[tuple[str, list[str], int]]  # rule, first subjects, how many more
    footer: str


def _short(subject: str) -> str:
    """Shorten a long subject in its project part only: an id is never cut (it is what
    someone copies to find the item)."""
    if len(subject) <= _SUBJECT_WIDTH or "/" not in subject:
        return subject
    head, tail = subject.rsplit("/", 1)
    room = _SUBJECT_WIDTH - len(tail) - 4
    if room < 8:
        return subject
    return f"{head[:room]}.../{tail}"


#: Labels of totals that need saying what they count.
_LABELS = {
    "members": "members (joined; pending invites counted apart)",
    "pending_invites": "pending invites",
}


def summary(report: Report, *, examples: int = EXAMPLES) -> Summary:
    org = report.org
    name = org.get("name") or org["slug"]
    t = report.totals
    notes: list[str] = []
    if report.interrupted:
        notes.append(
            f"PARTIAL: interrupted after {t['projects_audited']} of {t['projects']} projects; "
            "the numbers cover what was gathered"
        )
    elif report.partial:
        notes.append(
            "PARTIAL: not everything could be read; the numbers cover what was, and the "
            "organization may be in a worse state than shown"
        )
    notes += [f"not read: {line}" for line in gaps(report.coverage) if not report.interrupted]
    counts = Counter(f.rule for f in report.findings)
    severity: dict[str, str] = {}
    subjects: dict[str, list[str]] = {}
    more_items: dict[str, int] = {}
    for finding in report.findings:
        severity.setdefault(finding.rule, finding.severity)
        named = subjects.setdefault(finding.rule, [])
        if finding.items:  # an organization-wide finding: name what it is about
            named.extend(finding.items[: max(0, examples - len(named))])
            more_items[finding.rule] = more_items.get(finding.rule, 0) + max(
                0, len(finding.items) - examples
            )
        elif len(named) < examples:
            named.append(_short(finding.subject))
    rank = {s: n for n, s in enumerate(SEVERITIES)}
    rules = sorted(counts, key=lambda r: (rank.get(severity[r], 99), -counts[r], r))
    return Summary(
        title=f"Sentry audit of {name} ({org['slug']})",
        subtitle=f"generated {iso(report.generated_at)}; events over the last "
        f"{report.stats_period}",
        notes=notes,
        totals=[(_LABELS.get(k, k.replace("_", " ")), shown_total(report, k)) for k in t],
        by_rule=[(severity[r], r, str(counts[r]), ACTIONS.get(r, "see the report")) for r in rules],
        examples=[
            (r, subjects[r], more_items.get(r, max(0, counts[r] - len(subjects[r])))) for r in rules
        ],
        footer=(
            "Every finding with its message: --format json|csv|markdown --output FILE"
            if report.findings
            else "No findings."
        ),
    )


def _columns(headers: Sequence[str], rows: Sequence[Sequence[str]], right: str = "") -> list[str]:
    """Aligned plain-text columns; ``right`` holds the indexes (as digits) to right-align."""
    widths = [len(h) for h in headers]
    for row in rows:
        for n, cell in enumerate(row):
            widths[n] = max(widths[n], len(cell))

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.rjust(widths[n]) if str(n) in right else cell.ljust(widths[n])
            for n, cell in enumerate(cells)
        ]
        return "  " + "  ".join(parts).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def example_line(subjects: list[str], more: int) -> str:
    return ", ".join(subjects) + (f" and {more} more" if more else "")


def render_plain(report: Report, *, examples: int = EXAMPLES) -> str:
    s = summary(report, examples=examples)
    out = [s.title, s.subtitle]
    out += [f"! {note}" for note in s.notes]
    out += ["", "Totals", *_columns(["", "count"], s.totals, right="1")]
    out += ["", f"Findings ({len(report.findings)})"]
    if s.by_rule:
        out += _columns(["severity", "rule", "count", "what to do"], s.by_rule, right="2")
        out += ["", "Where"]
        out += [f"  {rule}: {example_line(named, more)}" for rule, named, more in s.examples]
    else:
        out.append("  none")
    out += ["", s.footer]
    return "\n".join(out) + "\n"
