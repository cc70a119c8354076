"""The OpenAPI document as the API behaves, and the JSON Schemas of its objects."""
