"""The analytics read model: daily activity per tenant and totals per thread."""
