"""Gloss's PyTorch engine: trains the TopK + AuxK SAE of `gloss-train sae --engine torch` on
EleutherAI sparsify's SparseCoder, reading Gloss's sharded activation cache in the row order and
held-out split of the TypeScript reader; also extraction of Llama-family GGUF detectors and the
SAELens and sparsify interoperability checks."""
