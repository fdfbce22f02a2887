"""What a run delivers: feed exporters, atomic file storage, the run manifest."""
