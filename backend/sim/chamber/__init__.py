"""The XO-VAC+ chamber simulator (protocols/vacuum.md §9): `switchboard-sim chamber`."""
