"""HTTP routers: one module per domain, each with `pages` (HTML) and `api` (JSON)."""
