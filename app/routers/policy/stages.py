"""Stages and snapshots: moving a document between its stages (the gate of caucus sign-off), the
stage list, frozen snapshots at citable URLs, their diffs and exports, and what the public
reads."""

from app.routers.apiutil import api_router, pages_router

pages = pages_router()
api = api_router("policy")
