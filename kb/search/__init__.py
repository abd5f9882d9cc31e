"""Search over the cache, one job per module: the cache tables (``tables``) and the plain SQL
that writes and reads them (``store``), bringing them in line with the files (``sync``),
opening, checking, locking and repairing the cache (``cache``), the embeddings of texts
(``vectors``), embedding (``embed``, ``minilm``), the vector index (``index``), bm25 ranking
(``keyword``) and the engine that fuses them (``engine``).

Nothing is imported here, so a command that needs only the keyword path does not pay for
numpy, faiss or the model."""
