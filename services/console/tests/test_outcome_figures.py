"""The funder's charts: each bar is the report's published figure, a suppressed figure is drawn as
"suppressed" with its rule (never as a zero bar or left out), a real zero is a zero, and the words
and numbers follow the reader's language."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from peerbridge_console.charts import bars
from peerbridge_console.figures import SECTIONS, sections, trend
from peerbridge_console.i18n import translations
from peerbridge_console.web import TEMPLATES

REPORT = {
    "program_id": "prog-1", "period": "2026-12", "version": 2,
    "measures": {"participants_active": 14, "enrollments_new": None, "enrollments_started": 12, "sessions_attended": 40,
                 "no_shows": 0, "attendance_rate": 0.9231, "days_to_first_session_median": None, "cases": None,
                 "cases_high": None, "screens": 25, "screens_positive": 11, "cases_breached": 0,
                 "acknowledge_p50_s": None, "non_billable_minutes": 45, "non_billable_minutes_no_note": 45,
                 "billable_units": 160, "estimated_amount": 1234.5},
    "suppression": {"enrollments_new": "primary: 1-10", "cases": "primary: 1-10", "cases_high": "primary: 1-10",
                    "acknowledge_p50_s": "derived: a count it depends on is suppressed"},
}


def _charted(language: str) -> dict[str, dict]:
    drawn = sections(REPORT, language, translations(language).gettext)
    return {f["name"]: f for section in drawn for f in section["charted"]} | {
        f["name"]: f for section in drawn for f in section["rows"]}


def test_each_figure_is_the_reports_and_a_suppressed_one_says_so_with_its_rule():
    shown = _charted("en")
    for name, value in REPORT["measures"].items():
        if name in shown:
            assert shown[name]["value"] == value
    assert shown["cases"]["rule"] == "primary: 1-10" and shown["cases"]["text"] == ""
    assert shown["cases"]["rule_text"] == "suppressed: a count from 1 to 10"
    assert shown["acknowledge_p50_s"]["rule_text"] == "suppressed: derived from a suppressed count"
    assert shown["days_to_first_session_median"]["missing"] and not shown["days_to_first_session_median"]["rule"]
    assert shown["no_shows"]["text"] == "0" and shown["attendance_rate"]["text"] == "92.3%"
    assert shown["non_billable_minutes_no_note"]["label"] == "Non-billable minutes: no_note"


def test_a_suppressed_figure_gets_no_bar_and_a_zero_gets_an_empty_one():
    safety = next(s for s in sections(REPORT, "en", translations("en").gettext) if s["title"] == "Safety")
    chart = {bar["name"]: bar for bar in bars(safety["charted"], safety["unit"])["bars"]}
    assert not chart["cases"]["drawn"] and chart["cases"]["width"] == 0
    assert chart["cases_breached"]["drawn"] and chart["cases_breached"]["width"] == 0
    assert chart["screens"]["width"] > chart["screens_positive"]["width"] > 0


class _Bars(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.bars: dict[str, dict] = {}
        self.current: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        values = dict(attrs)
        if tag == "g":
            self.current = values["data-figure"]
            self.bars[self.current] = {**values, "rects": [], "text": ""}
        elif tag == "rect" and self.current:
            self.bars[self.current]["rects"].append(values.get("class") or "bar")

    def handle_endtag(self, tag: str) -> None:
        if tag == "g":
            self.current = None

    def handle_data(self, data: str) -> None:
        if self.current:
            self.bars[self.current]["text"] += data


def test_the_drawn_chart_carries_the_reports_figures_in_spanish():
    macro = TEMPLATES["es"].from_string('{% from "_chart.html" import chart %}{{ chart("c", title, drawn) }}')
    engagement = sections(REPORT, "es", translations("es").gettext)[0]
    svg = macro.render(title=engagement["title"], drawn=bars(engagement["charted"], engagement["unit"]))
    assert re.search(r'<svg [^>]*role="img" aria-labelledby="c-title c-desc"', svg)
    parsed = _Bars()
    parsed.feed(svg)
    assert list(parsed.bars) == list(SECTIONS[0].charted)
    for name, bar in parsed.bars.items():
        value = REPORT["measures"][name]
        assert bar["data-value"] == ("" if value is None else str(value))
        assert bar["data-rule"] == REPORT["suppression"].get(name, "")
    assert parsed.bars["enrollments_new"]["rects"] == ["hole"]
    assert "suprimida: un recuento de 1 a 10" in parsed.bars["enrollments_new"]["text"]
    assert parsed.bars["no_shows"]["rects"] == ["bar"] and parsed.bars["no_shows"]["text"].split() == ["Ausencias", "0"]
    assert "Participantes activos" in parsed.bars["participants_active"]["text"]


def test_a_trend_is_one_figure_per_period_and_numbers_follow_the_language():
    later = {**REPORT, "period": "2027-01", "measures": {**REPORT["measures"], "attendance_rate": 0.5}}
    points = trend([REPORT, later], "attendance_rate", "es", translations("es").gettext)
    assert [(p["label"], p["value"]) for p in points] == [("2026-12", 0.9231), ("2027-01", 0.5)]
    assert points[0]["text"].replace("\xa0", " ") == "92,3 %"


def test_periods_are_in_the_order_they_end_and_the_latest_month_comes_last():
    from peerbridge_console.outcomes import by_end

    periods = ["2026-Q4", "2026-12", "2027-01", "2026-11", "2026-Q3", "2025-12"]
    assert sorted(periods, key=by_end) == ["2025-12", "2026-Q3", "2026-11", "2026-Q4", "2026-12", "2027-01"]
