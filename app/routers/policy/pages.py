"""Policy documents: pages (being built)."""

from app.routers.apiutil import api_router, pages_router

pages = pages_router()
api = api_router("policy")
