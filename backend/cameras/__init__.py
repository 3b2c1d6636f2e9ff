"""Smart Shooter / CaptureGRID camera rigs: the External API client and the rig model (cameras.md)."""
