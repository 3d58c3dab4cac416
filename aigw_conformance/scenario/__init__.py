"""Scenario files: the YAML loader with line marks, the pydantic model, templating, variants."""
