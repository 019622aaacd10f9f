"""The residents pages, one module per subject."""
