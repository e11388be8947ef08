"""Metrics of sequence tagging: token accuracy, and entity-level precision / recall / F1 with
the chunk definition of the CoNLL shared tasks' `conlleval` script, for BIO / IOB2 tags.

Tags are "O" or "B-TYPE" / "I-TYPE". Chunks, read left to right in each sentence (the
sentence boundary counts as an "O"):
- a chunk STARTS at B-X, and at I-X when the previous tag is O or of another type than X
  (conlleval's leniency: a stray I- still opens an entity, so IOB1 files work too);
- a chunk ENDS before O, before B-anything, and before I-Y of another type than its own.
An entity is (sentence, first word, last word, type); a predicted entity is correct only when
all four equal a gold entity's.

    precision = correct / predicted entities,   recall = correct / gold entities,
    F1 = 2 precision recall / (precision + recall)        (each 0 when its denominator is 0)
"""

from collections import Counter


def token_accuracy(y_true, y_pred) -> float:
    """The share of words whose predicted tag equals the gold tag, over all sentences."""
    total = correct = 0
    for index, (gold, predicted) in enumerate(zip(y_true, y_pred, strict=True)):
        if len(gold) != len(predicted):
            raise ValueError(
                f"sentence {index}: {len(gold)} gold tags but {len(predicted)} predicted"
            )
        total += len(gold)
        correct += sum(g == p for g, p in zip(gold, predicted, strict=True))
    if total == 0:
        raise ValueError("y_true holds no tags")
    return correct / total


def is_bio(tags) -> bool:
    """True when every tag (of a list of lists) is O, B-X or I-X and some tag is not O."""
    seen = {t for sentence in tags for t in sentence}
    return seen != {"O"} and all(t == "O" or t[:2] in ("B-", "I-") and len(t) > 2 for t in seen)


def entities(tags) -> list[tuple[int, int, str]]:
    """The chunks (first, last, type) of one sentence's BIO tags (definition above)."""
    chunks, start, kind = [], None, None
    for position, tag in enumerate(tags):
        prefix, tag_kind = _split(tag, position)
        continues = prefix == "I" and start is not None and tag_kind == kind
        if start is not None and not continues:
            chunks.append((start, position - 1, kind))
            start = kind = None
        if prefix in ("B", "I") and start is None:
            start, kind = position, tag_kind
    if start is not None:
        chunks.append((start, len(tags) - 1, kind))
    return chunks


def _split(tag: str, position: int) -> tuple[str, str | None]:
    if tag == "O":
        return "O", None
    if tag[:2] in ("B-", "I-") and len(tag) > 2:
        return tag[0], tag[2:]
    raise ValueError(f"tag {tag!r} at word {position} is not O, B-TYPE or I-TYPE")


def entity_scores(y_true, y_pred) -> dict:
    """Entity precision, recall and F1 overall and per type (conlleval's definition).

    Returns {"precision", "recall", "f1", "true_entities", "predicted_entities", "correct",
    "per_type": {type: {"precision", "recall", "f1", "support"}}}.
    """
    gold, predicted = Counter(), Counter()
    correct = Counter()
    for index, (g, p) in enumerate(zip(y_true, y_pred, strict=True)):
        if len(g) != len(p):
            raise ValueError(f"sentence {index}: {len(g)} gold tags but {len(p)} predicted")
        gold_set, predicted_set = set(entities(g)), set(entities(p))
        gold.update(kind for _, _, kind in gold_set)
        predicted.update(kind for _, _, kind in predicted_set)
        correct.update(kind for _, _, kind in gold_set & predicted_set)
    result = _prf(sum(correct.values()), sum(predicted.values()), sum(gold.values()))
    result.update(
        true_entities=sum(gold.values()),
        predicted_entities=sum(predicted.values()),
        correct=sum(correct.values()),
    )
    result["per_type"] = {
        kind: {**_prf(correct[kind], predicted[kind], gold[kind]), "support": gold[kind]}
        for kind in sorted(set(gold) | set(predicted))
    }
    return result


def _prf(correct: int, predicted: int, gold: int) -> dict:
    precision = correct / predicted if predicted else 0.0
    recall = correct / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}
