"""The checkpoints pages, one module per subject."""
