"""Civic311: a city's 311 system as free software."""
