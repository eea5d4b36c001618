"""The old service's stack, rebuilt from Debian packages to be measured against (bench/http_ratios.py)."""
