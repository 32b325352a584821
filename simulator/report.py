"""The report a team lead reads: charts (PNG and SVG) with their numbers beside them, in
one HTML page, plus the JSON.

matplotlib runs on the Agg backend (no display). Each chart compares the policies side
by side; the table next to it holds the same numbers, so the page reads without the
picture (and with a screen reader). Everything is written into one directory.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

plt.rcParams["svg.hashsalt"] = "trygg"  # the SVG's ids do not change from run to run
REACHED = ("warning", "prevention", "termination_review", "termination", "eviction")
DEADLINES = (
    ("first_contacts_past_due", "first contacts past due"),
    ("termination_windows_closed_unused", "termination windows closed unused"),
    ("acknowledgements_missing", "acknowledgements missing"),
    ("tasks_escalated_to_team_lead", "tasks escalated to team lead"),
    ("tasks_late_for_lack_of_staff", "tasks late for lack of staff"),
)


def write_report(report: dict[str, Any], out: Path) -> Path:
    """Write report.json, the charts and report.html into `out`; return the HTML's path."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    sections = [_key_figures(report)]
    for chart in (_staff, _backlog, _stages, _reached, _notices, _deadlines):
        sections.append(chart(report, out))
    page = out / "report.html"
    page.write_text(_page(report, sections), encoding="utf-8")
    return page


def _labels(report: dict[str, Any]) -> list[str]:
    return [p["label"] for p in report["policies"]]


def _figures(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [p["figures"] for p in report["policies"]]


def _save(fig, out: Path, name: str) -> str:
    fig.tight_layout()
    fig.savefig(out / f"{name}.png", dpi=110, metadata={"Software": None})
    fig.savefig(out / f"{name}.svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    return name


def _bars(out: Path, name: str, title: str, categories: list[str], series: dict[str, list[float]], ylabel: str) -> str:
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    width = 0.8 / max(1, len(series))
    for i, (label, values) in enumerate(series.items()):
        ax.bar([x + i * width for x in range(len(categories))], values, width, label=label)
    ax.set_xticks([x + width * (len(series) - 1) / 2 for x in range(len(categories))], categories, rotation=20, ha="right")
    ax.set_title(title)
    ax.set_ylabel(ylabel)
    ax.legend()
    return _save(fig, out, name)


def _lines(out: Path, name: str, title: str, series: dict[str, list[float]], ylabel: str) -> str:
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    for label, values in series.items():
        ax.plot(range(1, len(values) + 1), values, label=label, linestyle="--" if label.endswith("(overdue)") else "-")
    ax.set_title(title)
    ax.set_xlabel("week of the measured period")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize="small")
    return _save(fig, out, name)


def _table(header: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th scope='col'>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + f"<th scope='row'>{html.escape(str(r[0]))}</th>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in r[1:]) + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _section(title: str, chart: str | None, table: str, note: str = "") -> str:
    image = (
        f"<figure><img src='{chart}.png' alt='{html.escape(title)}: the numbers are in the table beside it'>"
        f"<figcaption><a href='{chart}.svg'>SVG</a></figcaption></figure>"
        if chart
        else ""
    )
    note_html = f"<p>{html.escape(note)}</p>" if note else ""
    return f"<section><h2>{html.escape(title)}</h2>{note_html}<div class='pair'>{image}{table}</div></section>"


def _key_figures(report: dict[str, Any]) -> str:
    labels, figs = _labels(report), _figures(report)
    rows = [
        ["reports", *[f["reports"]["total"] for f in figs]],
        ["night-patrol reports per 88,000 homes a night", *[f["reports"]["night_patrol_per_88000_homes_per_night"] for f in figs]],
        ["cases opened", *[f["cases"]["opened"] for f in figs]],
        ["median days to correction", *[f["cases"]["median_days_to_correction"] for f in figs]],
        ["share keeping their home", *[_percent(f["cases"]["share_keeping_home"]) for f in figs]],
        ["evictions per 1,000 homes a year", *[f["cases"]["evictions_per_1000_homes_per_year"] for f in figs]],
        ["median working days to first contact", *[f["deadlines"]["median_working_days_to_first_contact"] for f in figs]],
        ["mean working days to first contact", *[f["deadlines"]["mean_working_days_to_first_contact"] for f in figs]],
    ]
    return _section("Key figures", None, _table(["figure", *labels], rows),
                    "Share keeping their home: of the cases opened in the period with a verified report, those not "
                    "terminated, moved out or in the legal process at its end.")  # fmt: skip


def _staff(report: dict[str, Any], out: Path) -> str:
    labels, figs = _labels(report), _figures(report)
    roles = list(figs[0]["staff"])
    series = {label: [f["staff"][r]["hours_per_week_mean"] for r in roles] for label, f in zip(labels, figs)}
    chart = _bars(out, "staff_hours", "Staff hours per week (mean)", roles, series, "hours")
    rows = [[r, *[f"{f['staff'][r]['hours_per_week_mean']} h (max {f['staff'][r]['hours_per_week_max']}, "
                  f"{f['staff'][r]['headcount']} staff, {round(100 * (f['staff'][r]['utilisation'] or 0))} %)"
                  for f in figs]] for r in roles]  # fmt: skip
    return _section("Staff hours per role", chart, _table(["role", *labels], rows),
                    "Mean and highest week; utilisation is against the scenario's case hours per person.")  # fmt: skip


def _backlog(report: dict[str, Any], out: Path) -> str:
    labels, figs = _labels(report), _figures(report)
    series = {}
    for label, f in zip(labels, figs):
        series[f"{label} (open)"] = f["backlog_weekly"]["open_tasks"]
        series[f"{label} (overdue)"] = f["backlog_weekly"]["overdue_tasks"]
    chart = _lines(out, "backlog", "Open and overdue staff tasks, weekly", series, "tasks")
    rows = []
    for name in ("open_tasks", "overdue_tasks"):
        rows.append([f"{name.replace('_', ' ')} (mean)", *[_mean(f["backlog_weekly"][name]) for f in figs]])
        rows.append([f"{name.replace('_', ' ')} (max)", *[max(f["backlog_weekly"][name], default=0) for f in figs]])
    return _section("Backlog of tasks", chart, _table(["tasks", *labels], rows))


def _stages(report: dict[str, Any], out: Path) -> str:
    labels, figs = _labels(report), _figures(report)
    stages = list(figs[0]["stages_weekly"])
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    styles = ("-", "--", ":")
    for i, stage in enumerate(stages):
        for n, f in enumerate(figs[:3]):
            values = f["stages_weekly"][stage]
            ax.plot(range(1, len(values) + 1), values, color=plt.cm.tab10(i), linestyle=styles[n],
                    label=stage if n == 0 else None)  # fmt: skip
    title = "Open cases per stage, weekly"
    if len(figs) > 1:
        title += " (" + ", ".join(f"{style} {label}" for style, label in zip(("solid", "dashed", "dotted"), labels)) + ")"
    ax.set_title(title, fontsize="medium")
    ax.set_xlabel("week of the measured period")
    ax.set_ylabel("cases")
    ax.legend(fontsize="x-small", ncol=2)
    chart = _save(fig, out, "stages")
    rows = [[s, *[_mean(f["stages_weekly"][s]) for f in figs]] for s in stages]
    return _section("Cases per stage", chart, _table(["stage (weekly mean)", *labels], rows))


def _reached(report: dict[str, Any], out: Path) -> str:
    labels, figs = _labels(report), _figures(report)
    series = {label: [f["cases"]["reached"][k] for k in REACHED] for label, f in zip(labels, figs)}
    chart = _bars(out, "reached", "Cases reaching each rung", list(REACHED), series, "cases")
    rows = [[k, *[f["cases"]["reached"][k] for f in figs]] for k in REACHED]
    rows += [[f"closed: {o}", *[f["cases"]["closed_by_outcome"].get(o, 0) for f in figs]]
             for o in sorted({o for f in figs for o in f["cases"]["closed_by_outcome"]})]  # fmt: skip
    return _section("Warning, prevention, termination", chart, _table(["rung or outcome", *labels], rows))


def _notices(report: dict[str, Any], out: Path) -> str:
    labels, figs = _labels(report), _figures(report)
    partners = sorted({p for f in figs for p in f["notices"]["by_partner"]})
    series = {label: [f["notices"]["by_partner"].get(p, 0) for p in partners] for label, f in zip(labels, figs)}
    chart = _bars(out, "notices", "Notices per partner", partners, series, "notices")
    rows = [[p, *[f["notices"]["by_partner"].get(p, 0) for f in figs]] for p in partners]
    return _section("Notices per partner", chart, _table(["partner", *labels], rows))


def _deadlines(report: dict[str, Any], out: Path) -> str:
    labels, figs = _labels(report), _figures(report)
    names = [title for _, title in DEADLINES]
    series = {label: [f["deadlines"][key] for key, _ in DEADLINES] for label, f in zip(labels, figs)}
    chart = _bars(out, "deadlines", "Deadlines missed", names, series, "count")
    rows = [[title, *[f["deadlines"][key] for f in figs]] for key, title in DEADLINES]
    kinds = sorted({k for f in figs for k in f["deadlines"]["tasks_past_due_by_kind"]})
    rows += [[f"past due: {k}", *[f["deadlines"]["tasks_past_due_by_kind"].get(k, 0) for f in figs]] for k in kinds]
    short = sorted({k for f in figs for k in f["deadlines"]["tasks_late_for_lack_of_staff_by_kind"]})
    rows += [[f"late for lack of staff: {k}", *[f["deadlines"]["tasks_late_for_lack_of_staff_by_kind"].get(k, 0) for f in figs]]
             for k in short]  # fmt: skip
    return _section("Deadlines missed", chart, _table(["deadline", *labels], rows),
                    "A task past due got its reminder; two working days later it went to the team lead. Late for lack of "
                    "staff: done after its deadline only because it waited for a free person of its role.")  # fmt: skip


def _percent(share: float | None) -> str | None:
    return None if share is None else f"{share * 100:.1f} %"


def _mean(values: list[float]) -> float:
    return round(sum(values) / len(values), 1) if values else 0.0


def _page(report: dict[str, Any], sections: list[str]) -> str:
    title = " vs ".join(_labels(report))
    sources = _table(
        ["scenario value", "value", "source or assumption"],
        [[v["key"], json.dumps(v["value"], ensure_ascii=False),
          v["source"] or ("assumption" + (f": {v['note']}" if v["note"] else ""))] for v in report["scenario"]["values"]],
    )  # fmt: skip
    references = _table(["tag", "publication"], [[k, v] for k, v in report["scenario"].get("references", {}).items()])
    head = (
        f"<p>{report['homes']:,} homes, measured {report['measured_from'][:10]} to {report['measured_to'][:10]} "
        f"after a warm-up from {report['begins'][:10]}; seed {report['seed']}; scenario "
        f"'{html.escape(report['scenario']['name'])}'.</p>"
    )
    style = (
        "body{font-family:sans-serif;max-width:80rem;margin:1rem auto;padding:0 1rem}"
        ".pair{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start}figure{margin:0}"
        "img{max-width:44rem;width:100%}table{border-collapse:collapse;font-size:.9rem}"
        "th,td{border:1px solid #bbb;padding:.25rem .5rem;text-align:right}th[scope=row]{text-align:left}"
    )
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Policy simulation: {html.escape(title)}</title>"
        f"<style>{style}</style></head><body><h1>Policy simulation: {html.escape(title)}</h1>{head}"
        + "".join(sections)
        + f"<section><h2>Scenario and its sources</h2>{sources}<h3>References</h3>{references}</section></body></html>\n"
    )
