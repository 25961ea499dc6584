"""Domain logic: keyword-only functions that know nothing of HTTP or templates."""
