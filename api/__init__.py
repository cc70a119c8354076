"""The HTTP facade: the OpenAI Threads and Messages API under /v1, served from the projections."""
