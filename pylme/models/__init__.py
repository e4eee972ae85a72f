"""Public model functions: each validates its options and runs the shared pipeline."""
