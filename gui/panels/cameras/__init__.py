"""The Cameras panel: camera rigs driven through the Smart Shooter External API."""
