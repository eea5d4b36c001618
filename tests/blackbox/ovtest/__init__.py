"""Helpers of the black-box suite: start the server, talk to it, forge tokens."""
