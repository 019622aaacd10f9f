"""The screening pages, one module per subject."""
