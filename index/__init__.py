"""The verified index: FAISS vectors and a SQLite metadata store, in one folder."""
