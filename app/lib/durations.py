"""Elapsed times as a clock reads them ("12:05", "1:02:30") and as ISO 8601 durations
(`<time datetime="PT12M5S">`), so that assistive technology knows they are durations."""

__all__ = ["clock", "iso_duration"]


def clock(seconds: int) -> str:
    sign = "−" if seconds < 0 else ""
    hours, rest = divmod(abs(int(seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{secs:02d}"
    return f"{sign}{minutes}:{secs:02d}"


def iso_duration(seconds: int) -> str:
    hours, rest = divmod(abs(int(seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + f"{secs}S"
