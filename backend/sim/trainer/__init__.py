"""A simulated auto-trainer rig: the real auto-trainer-api package as transport, or a hand-written wire."""
