"""The side-by-side browser benchmark (``make bench``, ``python -m bench``): see bench/run.py."""
