"""Open data has no tables of its own yet: imports write through the domain functions."""
