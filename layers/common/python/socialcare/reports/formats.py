"""How the report's numbers read (no template engine here: the Slack desk uses these too)."""


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {rest:02d} min" if rest else f"{hours} h"
    return f"{hours / 24:.1f} days"


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f} %"


def change(now: float | None, before: float | None, unit: str = "pts") -> str:
    """Period on period: percentage points for shares, minutes for times."""
    if now is None or before is None:
        return ""
    delta = now - before
    if unit == "pts":
        return f"{delta * 100:+.0f} pts"
    return f"{delta / 60:+.0f} min"
