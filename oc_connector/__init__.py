"""oc-connector: OpenCart 3.0 <-> SQL warehouse connector."""
