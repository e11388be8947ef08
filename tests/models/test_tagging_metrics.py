"""Tagging metrics on hand-worked examples: conlleval's chunks and entity P/R/F1, accuracy."""

import pytest

from lstmkit.models.tagging_metrics import entities, entity_scores, is_bio, token_accuracy


def test_chunks_follow_conlleval():
    assert entities(["B-PER", "I-PER", "O", "B-LOC"]) == [(0, 1, "PER"), (3, 3, "LOC")]
    # I- after O, at the start, or after another type starts a chunk
    assert entities(["I-PER", "I-PER", "O", "I-LOC"]) == [(0, 1, "PER"), (3, 3, "LOC")]
    assert entities(["B-PER", "I-LOC", "I-LOC"]) == [(0, 0, "PER"), (1, 2, "LOC")]
    # B- always starts a new chunk, even of the same type
    assert entities(["B-ORG", "B-ORG", "I-ORG"]) == [(0, 0, "ORG"), (1, 2, "ORG")]
    assert entities(["O", "O"]) == []
    with pytest.raises(ValueError, match="tag 'PER' at word 1 is not O, B-TYPE or I-TYPE"):
        entities(["O", "PER"])


def test_entity_scores_hand_worked():
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O"]]
    pred = [["B-PER", "I-PER", "O", "B-ORG"], ["B-ORG", "I-ORG"]]
    # gold: PER(0-1), LOC(3), ORG(0); predicted: PER(0-1) correct, ORG(3) wrong type,
    # ORG(0-1) wrong boundary -> 1 correct of 3 predicted and 3 gold
    scores = entity_scores(gold, pred)
    assert scores["correct"] == 1
    assert scores["predicted_entities"] == 3 and scores["true_entities"] == 3
    assert scores["precision"] == pytest.approx(1 / 3)
    assert scores["recall"] == pytest.approx(1 / 3)
    assert scores["f1"] == pytest.approx(1 / 3)
    per_type = scores["per_type"]
    assert per_type["PER"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    assert per_type["LOC"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert per_type["ORG"]["precision"] == 0.0 and per_type["ORG"]["support"] == 1


def test_unequal_precision_and_recall():
    gold = [["B-PER", "O", "B-PER", "O", "B-LOC"]]
    pred = [["B-PER", "O", "O", "O", "O"]]
    scores = entity_scores(gold, pred)
    assert scores["precision"] == 1.0
    assert scores["recall"] == pytest.approx(1 / 3)
    assert scores["f1"] == pytest.approx(2 * (1 / 3) / (1 + 1 / 3))
    assert entity_scores(gold, [["O"] * 5])["f1"] == 0.0


def test_token_accuracy_and_is_bio():
    assert token_accuracy([["A", "B"], ["C"]], [["A", "C"], ["C"]]) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="sentence 1: 1 gold tags but 2 predicted"):
        token_accuracy([["A"], ["B"]], [["A"], ["B", "C"]])
    assert is_bio([["O", "B-PER"], ["I-LOC"]])
    assert not is_bio([["NOUN", "VERB"]])
    assert not is_bio([["O", "O"]])
