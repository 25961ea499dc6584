"""Policy documents: the JSON API (api); the pages come with part 2 of the work."""

from app.routers.policy.api import api

__all__ = ["api"]
