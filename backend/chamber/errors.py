"""Failures of a chamber command, as sentences naming the chamber and what failed."""


class ChamberError(Exception):
    """The command did not reach the chamber or got no answer; str() is the operator's sentence."""
