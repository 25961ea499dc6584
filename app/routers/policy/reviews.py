"""Caucus sign-off: reviews of sections by caucus representatives, the section × caucus matrix
on the document's dashboard, and the caucuses a document requires."""

from app.routers.apiutil import api_router, pages_router

pages = pages_router()
api = api_router("policy")
