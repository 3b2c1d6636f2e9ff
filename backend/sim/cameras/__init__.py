"""A faithful simulator of a Smart Shooter 5 rig's External API (cameras.md §10)."""
