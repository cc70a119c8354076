"""Read models built from the thread events, and the runners that keep them up to date."""
