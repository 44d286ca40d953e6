"""Evaluation: snapshot documents in, one verdict per (resource, control) out.

The catalogue of controls, the documents each resource becomes, the evaluator, the memo and the
projection (input paths) that keep it fast, and the results document. The engines that answer
the queries are behind scanner.engines."""
