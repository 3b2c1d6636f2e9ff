"""Switchboard's Qt views. Imports `backend`; `backend` never imports this package."""
