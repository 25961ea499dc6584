"""Care maps: territories and their datasets, stored runs, evidence panels and pins, the map page
recomputed on demand, and crowd-mapping. The pages (`territory_pages`, `crowd_pages`,
`pin_pages`) and the JSON API (`api`) call the same service functions; `views` holds what the
pages share."""

from app.routers.apiutil import pages_router
from app.routers.caremap import crowd_pages, pin_pages, territory_pages
from app.routers.caremap.api import api

pages = pages_router()
for _module in (territory_pages, crowd_pages, pin_pages):
    pages.include_router(_module.pages)

__all__ = ["api", "pages"]
