"""`Seq2Seq`: learn a mapping from strings to strings with an encoder-decoder LSTM.

    source text --tokens--> ids --> bidirectional encoder --bridge--> decoder with attention
                                                                          --> target text

Character-level by default (dates to ISO form, sums, transliteration, spelling); `level="word"`
tokenises with `lstmkit.data.word_tokenize` and joins the output with spaces. The network is
`Seq2SeqNetwork` (see there for the equations), trained by teacher forcing with the masked
cross-entropy of every target token and its <eos> (mean over tokens), through
`lstmkit.training.Trainer`; a `validation_fraction` of the pairs is held out for early stopping
on the teacher-forced exact-match rate, best epoch restored. Prediction decodes greedily
(`beam_size=1`) or with beam search and length normalisation (`lstmkit.models.beam_search`).
"""

import numpy as np

from lstmkit.data.text_batches import pad_ids
from lstmkit.data.tokenizers import char_tokenize, word_tokenize
from lstmkit.data.vocabulary import Vocabulary
from lstmkit.losses import cross_entropy
from lstmkit.models.base import Estimator
from lstmkit.models.beam_search import beam_search, greedy_decode
from lstmkit.models.fitted_state import Value, Vocab
from lstmkit.models.hyperparameters import TRAINING, Choice, Flag, Integer, Real, declare
from lstmkit.models.seq2seq_network import Seq2SeqNetwork
from lstmkit.optim import ReduceLROnPlateau
from lstmkit.random import as_generator, spawn
from lstmkit.training import StepResult, Trainer, TrainingInterrupted
from lstmkit.validation import as_list

SOURCE_SPECIALS = ("<pad>", "<unk>")
TARGET_SPECIALS = ("<pad>", "<unk>", "<bos>", "<eos>")
PREDICT_BATCH = 256


class Seq2Seq(Estimator):
    """Sequence-to-sequence model over strings (see the module docstring).

    Args:
        level: "char" (default) or "word".
        cell: "lstm" (default) or "gru", for the encoder and the decoder.
        attention: "bahdanau" (additive, default), "luong_dot", "luong_general" or None.
        input_feeding: feed the previous attentional state into the decoder's input.
        embedding_size, hidden_size: token embeddings; the decoder's state (the bidirectional
            encoder has hidden_size / 2 per direction).
        bidirectional: bidirectional encoder (default True).
        scheduled_sampling: p; during training each decoder input is, with probability rising
            linearly from 0 in the first epoch to p in the last, the model's own previous
            prediction instead of the true token (0: pure teacher forcing).
        lr, epochs, batch_size, clip_norm, patience, validation_fraction: training (Adam);
            early stopping on the held-out teacher-forced exact match, and a stop as soon as
            every held-out pair is right.
        lr_decay: when the held-out exact match has not improved for 2 epochs, the learning
            rate is multiplied by this (1.0: constant learning rate).
        beam_size, length_penalty, max_length: decoding defaults of `predict` and `score`
            (max_length None: twice the longest training target, plus 5 tokens).
        dtype: "float32" (default) or "float64".
        seed: initialisation, splitting, batching and sampling.
        verbose: 0 silent, 1 progress bars and a line per epoch.

    On Ctrl-C (`TrainingInterrupted`) the model keeps the best epoch's weights and is usable
    (e.g. to save it) before the error goes on.
    """

    hyperparameters = declare(
        *TRAINING,
        "hidden_size",
        "bidirectional",
        level=Choice("char", "word"),
        cell=Choice("lstm", "gru"),
        attention=Choice("bahdanau", "luong_dot", "luong_general", None),
        input_feeding=Flag(),
        embedding_size=Integer(low=1),
        scheduled_sampling=Real(low=0, high=1),
        lr_decay=Real(low=0, high=1, low_open=True),
        beam_size=Integer(low=1),
        length_penalty=Real(low=0),
        max_length=Integer(low=1, none_ok=True),
        dtype=Choice("float32", "float64"),
    )
    fitted_state = {
        "source_vocabulary_": Vocab(),
        "target_vocabulary_": Vocab(),
        "max_target_length_": Value(Integer(low=1)),
        "n_epochs_": Value(Integer(low=0)),
    }
    estimator_type = None  # strings to strings
    input_kind = "text"

    def __init__(
        self,
        level="char",
        cell="lstm",
        attention="bahdanau",
        input_feeding=True,
        embedding_size=32,
        hidden_size=128,
        bidirectional=True,
        scheduled_sampling=0.0,
        lr=2e-3,
        epochs=30,
        batch_size=64,
        clip_norm=5.0,
        patience=6,
        lr_decay=0.5,
        validation_fraction=0.05,
        beam_size=1,
        length_penalty=1.0,
        max_length=None,
        dtype="float32",
        seed=None,
        verbose=0,
    ):
        self.level = level
        self.cell = cell
        self.attention = attention
        self.input_feeding = input_feeding
        self.embedding_size = embedding_size
        self.hidden_size = hidden_size
        self.bidirectional = bidirectional
        self.scheduled_sampling = scheduled_sampling
        self.lr = lr
        self.epochs = epochs
        self.batch_size = batch_size
        self.clip_norm = clip_norm
        self.patience = patience
        self.lr_decay = lr_decay
        self.validation_fraction = validation_fraction
        self.beam_size = beam_size
        self.length_penalty = length_penalty
        self.max_length = max_length
        self.dtype = dtype
        self.seed = seed
        self.verbose = verbose

    # ---- text <-> ids ----------------------------------------------------------------------------

    def _tokenize(self, text, what, index):
        if not isinstance(text, str):
            raise ValueError(f"{what}[{index}] must be a string; got {type(text).__name__}")
        if self.level == "char":
            return char_tokenize(text)
        if self.level == "word":
            return word_tokenize(text)
        raise ValueError(f"level must be 'char' or 'word'; got {self.level!r}")

    def _source_ids(self, sources) -> list:
        if isinstance(sources, str):
            raise ValueError("sources must be a list of strings; got one string")
        ids = []
        for index, text in enumerate(as_list(sources, "sources", "a list of strings")):
            tokens = self._tokenize(text, "sources", index)
            if not tokens:
                raise ValueError(f"sources[{index}] is empty; every source needs a token")
            ids.append(self.source_vocabulary_.encode(tokens))
        return ids

    def _text(self, ids) -> str:
        tokens = self.target_vocabulary_.decode(np.asarray(ids), skip_specials=True)
        return ("" if self.level == "char" else " ").join(tokens)

    # ---- fitting ---------------------------------------------------------------------------------

    def fit(self, sources, targets) -> "Seq2Seq":
        """Learn from two equally long lists of strings; returns self."""
        sources = as_list(sources, "sources", "a list of strings")
        targets = as_list(targets, "targets", "a list of strings")
        if len(sources) != len(targets):
            raise ValueError(
                f"sources and targets must be lists of equal length; got {len(sources)} "
                f"sources and {len(targets)} targets"
            )
        if len(sources) == 0:
            raise ValueError("sources must hold at least one pair; got none")
        source_tokens = [self._tokenize(s, "sources", i) for i, s in enumerate(sources)]
        target_tokens = [self._tokenize(t, "targets", i) for i, t in enumerate(targets)]
        self.source_vocabulary_ = Vocabulary.build(source_tokens, specials=SOURCE_SPECIALS)
        self.target_vocabulary_ = Vocabulary.build(target_tokens, specials=TARGET_SPECIALS)
        self.max_target_length_ = max(len(t) for t in target_tokens)
        source_ids = self._source_ids(sources)
        bos, eos = self._bos_eos()
        target_ids = [
            np.concatenate([[bos], self.target_vocabulary_.encode(t), [eos]]).astype(np.int64)
            for t in target_tokens
        ]
        # one stream each for the split, initialisation, scheduled sampling and shuffling
        split_seed, network_seed, sampling_seed, shuffle_seed = spawn(self.seed, 4)
        order = as_generator(split_seed).permutation(len(sources))
        held = int(round(self.validation_fraction * len(sources)))
        train = PairData(
            [source_ids[i] for i in order[held:]], [target_ids[i] for i in order[held:]]
        )
        validation = (
            PairData([source_ids[i] for i in order[:held]], [target_ids[i] for i in order[:held]])
            if held
            else None
        )
        self.network_ = Seq2SeqNetwork(
            len(self.source_vocabulary_),
            len(self.target_vocabulary_),
            cell=self.cell,
            embedding_size=self.embedding_size,
            hidden_size=self.hidden_size,
            bidirectional=self.bidirectional,
            attention=self.attention,
            input_feeding=self.input_feeding,
            dtype=self.dtype,
            seed=network_seed,
        )
        self._sampling_rng = as_generator(sampling_seed)
        self._sampling = 0.0
        trainer = Trainer(
            lr=self.lr,
            epochs=self.epochs,
            batch_size=self.batch_size,
            clip_norm=self.clip_norm,
            patience=self.patience if validation is not None else None,
            monitor="val_exact" if validation is not None else "loss",
            verbose=self.verbose,
            seed=shuffle_seed,
            callbacks=[self._schedule_sampling, _stop_when_all_right],
            schedule=self._plateau_schedule
            if validation is not None and self.lr_decay != 1
            else None,
        )
        self._schedule_sampling(0, {})
        try:
            self.history_ = trainer.fit(self.network_, self._step, train, validation)
        except TrainingInterrupted as interrupted:
            # Ctrl-C: the network holds the best epoch's weights; keep the model usable
            self.history_ = interrupted.history
            self.n_epochs_ = self.history_.epochs
            raise
        self.n_epochs_ = self.history_.epochs
        return self

    def _plateau_schedule(self, optimizer):
        return ReduceLROnPlateau(
            optimizer,
            mode="max",
            factor=self.lr_decay,
            patience=1,
            threshold=0.0,
            threshold_mode="abs",
        )

    def _schedule_sampling(self, epoch, values) -> bool:
        """Trainer callback: the sampling probability for the next epoch (epoch counts from 1)."""
        last = max(self.epochs - 1, 1)
        self._sampling = float(self.scheduled_sampling) * min(epoch / last, 1.0)
        return False

    def _step(self, batch, training):
        sampling = self._sampling if training else 0.0
        logits = self.network_.forward(
            batch.source, batch.source_lengths, batch.inputs, sampling, self._sampling_rng
        )
        loss, dlogits = cross_entropy(logits, batch.outputs, mask=batch.mask)
        right = (logits.argmax(axis=2) == batch.outputs) | ~batch.mask
        return StepResult(
            float(loss),
            len(batch.source_lengths),
            {"exact": int(right.all(axis=1).sum())},
            backward=lambda: self.network_.backward(dlogits),
        )

    def _bos_eos(self):
        vocabulary = self.target_vocabulary_
        return vocabulary.id_of_special("<bos>"), vocabulary.id_of_special("<eos>")

    # ---- prediction ------------------------------------------------------------------------------

    def decode(self, sources, *, beam_size=None, max_length=None, length_penalty=None):
        """`Decoded` outputs (token ids, score, attention rows (L, S)) for each source."""
        self._check_fitted()
        beam_size = self.beam_size if beam_size is None else beam_size
        if isinstance(beam_size, bool) or not isinstance(beam_size, int) or beam_size < 1:
            raise ValueError(f"beam_size must be a positive integer; got {beam_size!r}")
        if max_length is None:
            max_length = self.max_length or 2 * self.max_target_length_ + 5
        if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1:
            raise ValueError(f"max_length must be a positive integer; got {max_length!r}")
        penalty = self.length_penalty if length_penalty is None else length_penalty
        expected = type(self).hyperparameters["length_penalty"].problem(penalty)  # fit's range
        if expected is not None:
            raise ValueError(f"length_penalty must be {expected}; got {penalty!r}")
        bos, eos = self._bos_eos()
        options = {
            "bos": bos,
            "eos": eos,
            "banned": [0, self.target_vocabulary_.unk_id, bos],
            "max_length": max_length,
            "length_penalty": penalty,
        }
        source_ids = self._source_ids(sources)
        decoded = [None] * len(source_ids)
        order = np.argsort([len(s) for s in source_ids], kind="stable")
        for start in range(0, len(order), PREDICT_BATCH):
            chosen = order[start : start + PREDICT_BATCH]
            ids, lengths = pad_ids([source_ids[i] for i in chosen], 0)
            if beam_size == 1:
                results = greedy_decode(self.network_, ids, lengths, **options)
            else:
                results = beam_search(self.network_, ids, lengths, beam_size=beam_size, **options)
            for index, result in zip(chosen, results, strict=True):
                decoded[index] = result
        return decoded

    def predict(
        self,
        sources,
        *,
        beam_size=None,
        max_length=None,
        length_penalty=None,
        return_attention=False,
    ):
        """The output string of each source; with `return_attention`, also a list of attention
        matrices (output tokens + <eos>, source tokens) (None without attention)."""
        decoded = self.decode(
            sources, beam_size=beam_size, max_length=max_length, length_penalty=length_penalty
        )
        texts = [self._text(d.ids) for d in decoded]
        if return_attention:
            return texts, [d.attention for d in decoded]
        return texts

    def score(self, sources, targets, **decoding) -> float:
        """Exact-match accuracy of `predict(sources)` against `targets`."""
        predictions = self.predict(sources, **decoding)
        targets = as_list(targets, "targets", "a list of strings")
        if len(targets) != len(predictions):
            raise ValueError(
                f"targets must hold one string per source ({len(predictions)}); got {len(targets)}"
            )
        return float(np.mean([p == t for p, t in zip(predictions, targets, strict=True)]))


def _stop_when_all_right(epoch, values) -> bool:
    """Stop once every held-out pair is right under teacher forcing: then greedy decoding
    reproduces each of them too, and the monitored value cannot improve any more."""
    return values.get("val_exact") == 1.0


class PairBatch:
    """A padded batch of pairs: source ids (n, S) and lengths, decoder inputs (<bos> + target)
    and outputs (target + <eos>), both (n, T), and the mask of valid output positions."""

    def __init__(self, sources, targets):
        self.source, self.source_lengths = pad_ids(sources, 0)
        padded, lengths = pad_ids(targets, 0)
        self.inputs, self.outputs = padded[:, :-1], padded[:, 1:]
        self.mask = np.arange(self.outputs.shape[1])[None, :] < (lengths - 1)[:, None]


class PairData:
    """Pairs of id arrays for the Trainer (`len`, `lengths` to batch by, `batch(indices)`)."""

    def __init__(self, sources, targets):
        self.sources, self.targets = sources, targets
        self.lengths = np.array([len(s) for s in sources], dtype=np.int64)

    def __len__(self) -> int:
        return len(self.sources)

    def batch(self, indices) -> PairBatch:
        return PairBatch([self.sources[i] for i in indices], [self.targets[i] for i in indices])
