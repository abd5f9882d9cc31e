"""Search over the cache: the cache tables (``tables``) and their sync (``store``), embedding
(``embed``, ``minilm``), the vector index (``index``), keyword helpers (``keyword``) and the
engine that fuses them (``engine``).

Nothing is imported here, so a command that needs only the keyword path does not pay for
numpy, faiss or the model."""
