"""The conversation items read model: every message and item of a thread as the Conversations API answers it."""
