"""auto-trainer devices: the ZeroMQ client and the trainer model (`protocols/trainer.md`)."""
