"""The Store: the one service per network that keeps every service's State per show (bus.md §6)."""
