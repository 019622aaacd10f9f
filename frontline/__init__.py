"""Frontline: the community epidemic-prevention command post."""
