"""The HTTP edge shared by routers: errors, middleware, the page cache, validation."""
