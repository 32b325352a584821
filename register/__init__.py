"""The case register in PostgreSQL: the durable, queryable record Temporal does not keep."""
