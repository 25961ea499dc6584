"""Pure building blocks with no domain: markup, uploads, mail parsing, charts, search."""
