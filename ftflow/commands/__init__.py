"""One module per command family; ``ftflow.cli`` imports them lazily."""
