"""Traceability: the sources of a paragraph (contributions, minutes points) with their outcomes,
where a contribution went (uptake), and the listening report."""

from app.routers.apiutil import api_router, pages_router

pages = pages_router()
api = api_router("policy")
