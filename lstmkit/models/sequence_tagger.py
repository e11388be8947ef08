"""`SequenceTagger`: one tag per word (part of speech, named-entity BIO tags), from a BiLSTM
over word and character features, with a CRF (default) or a softmax per word on top.

    words --lowercase--> word ids --embedding-----------+
    words --characters--> char BiLSTM (per distinct form) +--> BiLSTM --> linear --> CRF / softmax

Choices, and why:
- Word embeddings are looked up LOWERCASED (`lowercase=True`): "The" and "the" share a vector,
  which halves the unknown words of a small corpus; case is not lost, because the character
  features read the word as written (capitals signal proper nouns and sentence starts).
- Word dropout (`word_dropout=alpha`): during training each occurrence of a word seen f times
  is replaced by <unk> with probability alpha / (alpha + f), so the <unk> vector is trained
  on rare words, which resemble the unknown words of new text; frequent words are almost never
  dropped. Every training word is in the vocabulary (`min_word_freq=1`).
- Loss: the CRF's negative log-likelihood (or the softmax cross-entropy) per word, so the
  learning rate does not depend on sentence length.
- Early stopping on the validation token accuracy (`validation_data`, else a seeded
  `validation_fraction` of the training sentences), best epoch's weights restored.

Defaults (word 100, characters 25 -> 2 x 25, BiLSTM 2 x 100, dropout 0.5, Adam 2e-3 with
gradient norm clipped at 5) are the usual sizes of BiLSTM-CRF taggers (Lample et al. 2016;
Plank et al. 2016), small enough to train on UD English-EWT in minutes here.
"""

import time

import numpy as np

from lstmkit.data.vocabulary import Vocabulary
from lstmkit.losses import cross_entropy
from lstmkit.models.base import Estimator
from lstmkit.models.fitted_state import DistinctTexts, Value, Vocab
from lstmkit.models.hyperparameters import (
    REGULARISERS,
    TRAINING,
    Flag,
    Integer,
    Real,
    declare,
    regularisers,
)
from lstmkit.models.tagger_network import TaggerBatch, TaggerNetwork
from lstmkit.nn.char_encoder import encode_words
from lstmkit.random import as_generator, spawn
from lstmkit.training import StepResult, Trainer
from lstmkit.validation import as_list, describe


class SequenceTagger(Estimator):
    """Tag every word of tokenised sentences with a BiLSTM(-CRF).

    Args:
        crf: True (default) for a CRF output layer (Viterbi decoding), False for a softmax
            per word.
        word_dim, char_dim, char_hidden_size, hidden_size, num_layers: network sizes.
        dropout: on the BiLSTM's input and output (and between stacked layers).
        word_dropout: alpha of the word dropout (0 turns it off); see the module docstring.
        lowercase: look words up lowercased (characters keep their case).
        max_word_length: longer words keep their first and last max_word_length // 2
            characters for the character encoder.
        lr, epochs, batch_size, clip_norm: training (Adam), batch_size in sentences.
        lr_decay: None (default, a constant rate) or a factor: with validation data, the
            learning rate is multiplied by it after every epoch whose validation accuracy
            does not improve. Measured with 0.5: UD EWT dev accuracy no better (94.5 %), and
            on the small NER set it decayed too early (entity F1 0.23 against 0.47).
        patience: early-stopping patience in epochs on the validation accuracy.
        validation_fraction: share of the sentences held out when `fit` gets no
            validation_data; 0 trains on everything for `epochs` epochs.
        time_budget: None, or seconds after which no new epoch starts (the epoch under way
            finishes; the best epoch's weights are kept as usual).
        seed: makes splitting, initialisation, dropout and batching reproducible.
        verbose: 0 silent, 1 progress bars and a line per epoch.
        layer_norm, dropout_input, dropout_output, dropout_state: regularisers of the
            word-level BiLSTM, as on `lstmkit.LSTM` (docs/lstm.md section 3a); all off by
            default. The character encoder stays plain.
        weight_drop, zoneout_cell, zoneout_hidden: likewise.

    `fit(sentences, tags, validation_data=None)`: sentences a list of lists of word strings,
    tags a list of lists of tag strings of the same lengths; validation_data an optional
    (sentences, tags) pair for early stopping.
    """

    hyperparameters = declare(
        *TRAINING,
        *REGULARISERS,
        "hidden_size",
        "num_layers",
        "dropout",
        crf=Flag(),
        word_dim=Integer(low=1),
        char_dim=Integer(low=1),
        char_hidden_size=Integer(low=1),
        word_dropout=Real(low=0),
        lowercase=Flag(),
        max_word_length=Integer(low=1),
        lr_decay=Real(low=0, high=1, low_open=True, none_ok=True),
        time_budget=Real(low=0, low_open=True, none_ok=True),
    )
    fitted_state = {
        "n_epochs_": Value(Integer(low=0)),
        "classes_": Value(DistinctTexts()),  # the tag strings, a JSON list
        "word_vocabulary_": Vocab(),
        "char_vocabulary_": Vocab(),
    }
    # a label per word: structured output, which scikit-learn's classifier logic (stratified
    # folds over one label per sample) does not fit
    estimator_type = None
    input_kind = "text"

    def __init__(
        self,
        crf=True,
        word_dim=100,
        char_dim=25,
        char_hidden_size=25,
        hidden_size=100,
        num_layers=1,
        dropout=0.5,
        word_dropout=0.25,
        lowercase=True,
        max_word_length=20,
        lr=2e-3,
        lr_decay=None,
        epochs=30,
        batch_size=32,
        clip_norm=5.0,
        patience=4,
        validation_fraction=0.1,
        time_budget=None,
        seed=None,
        verbose=0,
        *,
        layer_norm=False,
        dropout_input=0.0,
        dropout_output=0.0,
        dropout_state=0.0,
        weight_drop=0.0,
        zoneout_cell=0.0,
        zoneout_hidden=0.0,
    ):
        self.crf = crf
        self.word_dim = word_dim
        self.char_dim = char_dim
        self.char_hidden_size = char_hidden_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        self.word_dropout = word_dropout
        self.lowercase = lowercase
        self.max_word_length = max_word_length
        self.lr = lr
        self.lr_decay = lr_decay
        self.epochs = epochs
        self.batch_size = batch_size
        self.clip_norm = clip_norm
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.time_budget = time_budget
        self.seed = seed
        self.verbose = verbose
        self.layer_norm = layer_norm
        self.dropout_input = dropout_input
        self.dropout_output = dropout_output
        self.dropout_state = dropout_state
        self.weight_drop = weight_drop
        self.zoneout_cell = zoneout_cell
        self.zoneout_hidden = zoneout_hidden

    # ---- fitting ------------------------------------------------------------------------------

    def fit(self, sentences, tags, validation_data=None) -> "SequenceTagger":
        sentences, tags = check_tagged(sentences, tags, "sentences", "tags")
        # one stream each for the split, word dropout, initialisation, shuffling (lstmkit.random)
        split_seed, drop_seed, network_seed, shuffle_seed = spawn(self.seed, 4)
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise ValueError("validation_data must be a (sentences, tags) pair")
            held = check_tagged(*validation_data, "validation sentences", "validation tags")
            train = (sentences, tags)
        else:
            train, held = split_sentences(sentences, tags, self.validation_fraction, split_seed)
        self.classes_ = sorted({t for sentence in train[1] for t in sentence})
        self.word_vocabulary_ = Vocabulary.build(self._lookup_forms(s) for s in train[0])
        self.char_vocabulary_ = Vocabulary.build(list(w) for s in train[0] for w in s)
        counts = np.zeros(len(self.word_vocabulary_))
        for sentence in train[0]:
            np.add.at(counts, self.word_vocabulary_.encode(self._lookup_forms(sentence)), 1)
        self._drop_probability = self.word_dropout / np.maximum(self.word_dropout + counts, 1e-12)
        self._drop_rng = as_generator(drop_seed)
        self.network_ = TaggerNetwork(
            len(self.word_vocabulary_),
            len(self.char_vocabulary_),
            len(self.classes_),
            word_dim=self.word_dim,
            char_dim=self.char_dim,
            char_hidden_size=self.char_hidden_size,
            hidden_size=self.hidden_size,
            num_layers=self.num_layers,
            dropout=self.dropout,
            crf=self.crf,
            seed=network_seed,
            regularisers=regularisers(self),
        )
        trainer = Trainer(
            lr=self.lr,
            epochs=self.epochs,
            batch_size=self.batch_size,
            clip_norm=self.clip_norm,
            patience=self.patience if held is not None else None,
            monitor="val_accuracy" if held is not None else "loss",
            verbose=self.verbose,
            seed=shuffle_seed,
            callbacks=() if self.time_budget is None else (self._over_budget(),),
            schedule=self._schedule if held is not None and self.lr_decay else None,
        )
        validation = None if held is None else self._data(*held)
        self.history_ = trainer.fit(self.network_, self._step, self._data(*train), validation)
        self.n_epochs_ = self.history_.epochs
        return self

    def _check_restored(self) -> None:
        """A loaded tagger's tags and vocabularies must be the sizes its network was built for
        (more words than the network embeds would fail at `predict`, more tags than it scores
        would never be predicted)."""
        sizes = (
            ("classes_", self.classes_, "num_tags"),
            ("word_vocabulary_", self.word_vocabulary_, "num_words"),
            ("char_vocabulary_", self.char_vocabulary_, "num_chars"),
        )
        for name, value, attribute in sizes:
            expected = getattr(self.network_, attribute)
            if len(value) != expected:
                raise ValueError(
                    f"the file's {name} ({len(value)}) disagrees with its network's "
                    f"{attribute} ({expected})"
                )

    def _schedule(self, optimizer):
        from lstmkit.optim.schedules import ReduceLROnPlateau

        return ReduceLROnPlateau(optimizer, mode="max", factor=self.lr_decay, patience=0)

    def _over_budget(self):
        started = time.perf_counter()
        return lambda epoch, values: time.perf_counter() - started > self.time_budget

    def _lookup_forms(self, sentence) -> list[str]:
        return [w.lower() for w in sentence] if self.lowercase else list(sentence)

    def _data(self, sentences, tags=None) -> "TaggedData":
        tag_ids = None
        if tags is not None:
            index = {tag: k for k, tag in enumerate(self.classes_)}
            tag_ids = [np.array([index.get(t, -1) for t in s], dtype=np.int64) for s in tags]
        word_ids = [self.word_vocabulary_.encode(self._lookup_forms(s)) for s in sentences]
        return TaggedData(sentences, word_ids, tag_ids, self.char_vocabulary_, self.max_word_length)

    def _step(self, batch: TaggerBatch, training: bool) -> StepResult:
        network, mask = self.network_, batch.mask
        if training and self.word_dropout > 0:
            drop = (
                self._drop_rng.random(batch.word_ids.shape) < self._drop_probability[batch.word_ids]
            )
            batch.word_ids = np.where(drop & mask, self.word_vocabulary_.unk_id, batch.word_ids)
        emissions = network.forward(batch)
        tokens = int(mask.sum())
        # tags unseen in training (validation data) count as errors and are left out of the loss
        known = mask & (batch.tags >= 0)
        targets = np.where(known, batch.tags, 0)
        crf = network.crf_head
        if crf is not None:
            keep = (known | ~mask).all(axis=1)  # the CRF scores whole paths: drop unknown tags
            nll = crf.forward(emissions, targets, batch.lengths, reduction="none")
            loss = float((nll * keep).sum() / tokens)

            def backward():
                network.backward(crf.backward(keep / tokens))

        else:
            loss, dlogits = cross_entropy(emissions, targets, mask=known, reduction="sum")
            loss = float(loss) / tokens

            def backward():
                network.backward(dlogits / tokens)

        metrics = {}
        if not training:
            predicted = self._decode(emissions, batch.lengths)
            metrics["accuracy"] = int(((predicted == batch.tags) & known).sum())
        return StepResult(loss, tokens, metrics, backward=backward if training else None)

    def _decode(self, emissions, lengths) -> np.ndarray:
        crf = self.network_.crf_head
        if crf is not None:
            return crf.decode(emissions, lengths)[0]
        return emissions.argmax(axis=2)

    # ---- prediction ---------------------------------------------------------------------------

    def predict(self, sentences) -> list[list[str]]:
        """The tags of every word, as lists of tag strings aligned with the sentences."""
        self._check_fitted()
        sentences = check_sentences(sentences, "sentences")
        data = self._data(sentences)
        network = self.network_.eval()
        out = [None] * len(sentences)
        order = np.argsort(data.lengths, kind="stable")
        for start in range(0, len(order), 128):
            batch = data.batch(order[start : start + 128])
            paths = self._decode(network.forward(batch), batch.lengths)
            for row, n in enumerate(batch.indices):
                out[n] = [self.classes_[k] for k in paths[row, : batch.lengths[row]]]
        return out

    def score(self, sentences, tags) -> float:
        """Token accuracy on (sentences, tags)."""
        from lstmkit.models.tagging_metrics import token_accuracy

        sentences, tags = check_tagged(sentences, tags, "sentences", "tags")
        return token_accuracy(tags, self.predict(sentences))


class TaggedData:
    """Sentences for the Trainer: word ids, tag ids (-1 for tags unseen in training), and each
    distinct word form's character ids, encoded once."""

    def __init__(self, sentences, word_ids, tag_ids, char_vocabulary, max_word_length):
        forms = {}
        self.form_ids = [
            np.array([forms.setdefault(w, len(forms)) for w in s], dtype=np.int64)
            for s in sentences
        ]
        ids, lengths = encode_words(list(forms), char_vocabulary, max_word_length)
        self.form_chars, self.form_lengths = ids, lengths
        self.word_ids, self.tag_ids = word_ids, tag_ids
        self.lengths = np.array([len(s) for s in word_ids], dtype=np.int64)

    def __len__(self) -> int:
        return len(self.word_ids)

    def batch(self, indices) -> TaggerBatch:
        indices = np.asarray(indices)
        lengths = self.lengths[indices]
        steps = int(lengths.max())
        word_ids = np.zeros((len(indices), steps), np.int64)
        forms = np.zeros((len(indices), steps), np.int64)
        tags = None if self.tag_ids is None else np.full((len(indices), steps), -1, np.int64)
        for row, n in enumerate(indices):
            word_ids[row, : lengths[row]] = self.word_ids[n]
            forms[row, : lengths[row]] = self.form_ids[n]
            if tags is not None:
                tags[row, : lengths[row]] = self.tag_ids[n]
        mask = np.arange(steps) < lengths[:, None]
        distinct, inverse = np.unique(forms[mask], return_inverse=True)
        word_index = np.zeros_like(forms)
        word_index[mask] = inverse
        char_lengths = self.form_lengths[distinct]
        char_ids = self.form_chars[distinct, : int(char_lengths.max())]
        return TaggerBatch(word_ids, lengths, char_ids, char_lengths, word_index, tags, indices)


def check_sentences(sentences, name: str) -> list[list[str]]:
    """A non-empty list of non-empty lists of strings."""
    sentences = as_list(sentences, name, "a non-empty list of lists of words")
    if not sentences:
        raise ValueError(f"{name} must be a non-empty list of lists of words; got none")
    out = []
    for index, sentence in enumerate(sentences):
        if isinstance(sentence, str):
            raise ValueError(
                f"{name}[{index}] must be a list of words, not a string ({sentence[:30]!r}); "
                "tokenize it first"
            )
        sentence = as_list(sentence, f"{name}[{index}]", "a non-empty list of strings")
        if not sentence:
            raise ValueError(f"{name}[{index}] must be a non-empty list of strings; got none")
        words = [position for position, word in enumerate(sentence) if not isinstance(word, str)]
        if words:
            raise ValueError(
                f"{name}[{index}][{words[0]}] is {describe(sentence[words[0]])}; "
                "expected a word (a string)"
            )
        out.append(sentence)
    return out


def check_tagged(sentences, tags, name: str, tags_name: str):
    sentences = check_sentences(sentences, name)
    tags = as_list(tags, tags_name, "a list of lists of tags")
    if len(tags) != len(sentences):
        raise ValueError(
            f"{tags_name} must hold one list of tags per sentence ({len(sentences)}); "
            f"got {len(tags)}"
        )
    tags = [as_list(t, f"{tags_name}[{i}]", "a list of tags") for i, t in enumerate(tags)]
    for index, (sentence, sentence_tags) in enumerate(zip(sentences, tags, strict=True)):
        if len(sentence_tags) != len(sentence):
            raise ValueError(
                f"{tags_name}[{index}] must have one tag per word ({len(sentence)}); "
                f"got {len(sentence_tags)}"
            )
    return sentences, [[str(t) for t in s] for s in tags]


def split_sentences(sentences, tags, fraction: float, seed):
    """((train sentences, tags), (held-out sentences, tags) or None), a seeded random split."""
    if fraction == 0 or len(sentences) < 2:
        return (sentences, tags), None
    order = as_generator(seed).permutation(len(sentences))
    count = min(max(1, int(round(fraction * len(sentences)))), len(sentences) - 1)
    held, kept = np.sort(order[:count]), np.sort(order[count:])
    return (
        ([sentences[i] for i in kept], [tags[i] for i in kept]),
        ([sentences[i] for i in held], [tags[i] for i in held]),
    )
