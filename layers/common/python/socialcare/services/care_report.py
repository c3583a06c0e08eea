"""``/care report [day|week]``: the headline figures of the last whole day or week, in Slack
(the same figures as the e-mail; the period in the brand's time zone, answers counted up to
now)."""

from datetime import datetime

from socialcare.config.brands import Brand
from socialcare.reports.figures import Figures
from socialcare.reports.formats import change, duration, percent
from socialcare.reports.period import Period, PeriodKind
from socialcare.services.reports import ReportDeps, ReportStore, build_figures
from socialcare.slack.mrkdwn import escape


def kind_of(words: list[str]) -> PeriodKind | None:
    """``report``, ``report day`` or ``report week``; None for anything else."""
    if not words or words[0] != "report" or len(words) > 2:
        return None
    chosen = words[1] if len(words) == 2 else "day"
    return PeriodKind(chosen) if chosen in ("day", "week") else None


def report_text(brand: Brand, kind: PeriodKind, store: ReportStore, now: datetime) -> str:
    period = Period.ending_before(kind, now, brand.zone)
    return headline(build_figures(brand, period, ReportDeps(store), as_of=now), brand)


def headline(figures: Figures, brand: Brand) -> str:
    h, p = figures.headline, figures.previous
    title = f"*{escape(brand.name)}, {figures.period.label}*"
    if figures.empty:
        return f"{title}\nNo customer wrote in this period."
    topics = ", ".join(f"{escape(t.topic)} {t.count} ({t.change:+d})" for t in figures.topics[:3])
    return "\n".join(
        [
            title,
            f"Conversations *{h.conversations}* (before: {p.conversations}), spam {figures.spam}",
            f"Response rate *{percent(h.response_rate)}* {change(h.response_rate, p.response_rate)}"
            f" · within 1 h {percent(h.within_hour)} · within 24 h {percent(h.within_day)}",
            f"First response: median *{duration(figures.first_response.calendar.median)}*,"
            f" 90th pct {duration(figures.first_response.calendar.p90)}"
            f" (business time: median {duration(figures.first_response.business.median)})",
            f"Deadlines met *{percent(h.deadlines_met)}* · breaches {figures.breaches}"
            f" · no answer yet {len(figures.backlog)}",
            f"Top topics: {topics}",
        ]
    )
