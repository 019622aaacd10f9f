"""Demo data: the seed articles' communities, one login per role, and a bulk city generator."""
