"""Helpers shared by the built-in plugins (Hugging Face loading, seeding, artifact layout)."""
