"""pytest plugin (registered through the `pytest11` entry point): per-test cassettes."""
