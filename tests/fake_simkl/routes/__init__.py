"""The handlers of the fake's endpoints, one module per area."""
