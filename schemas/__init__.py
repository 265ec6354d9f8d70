"""Record layout files (layout.yaml), installed as eventextract.schemas."""
