"""siting: facility siting for 15-minute convenient living circles (the public API arrives with the facade)."""
