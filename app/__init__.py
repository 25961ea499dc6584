"""Town Hall: a participatory consultation platform."""
