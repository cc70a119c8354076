"""The write side: commands on the thread aggregate, batched by one writer into few transactions."""
