"""The Trainer panel and the toolbar's EMERGENCY STOP."""
