"""`CharLanguageModel`: a character-level LSTM language model (char-rnn).

    p(c_{t+1} | c_1 .. c_t) = softmax(logits_t),   logits, s_t = network(c_t, s_{t-1})

Training is truncated backpropagation through time over B parallel streams: the training
text is cut into B equal consecutive pieces, row b of the (B, n) array `streams` being piece
b, and each update reads the next `seq_len` columns of all rows:

    x = streams[:, t : t + seq_len],   y = streams[:, t + 1 : t + seq_len + 1]
    logits, s = network(x, s)          s carried over from the previous chunk (zeros at the
                                       start of an epoch), so every chunk continues its stream
    loss = mean cross-entropy(logits, y);  gradients stop at s (the cut of truncated BPTT)

The loop is `lstmkit.training.Trainer`'s, fed by `lstmkit.training.StreamChunks`: the chunks
come in order, each epoch from a random start offset t0 < seq_len (so the chunk boundaries
fall on other characters), and the Trainer hands the state a step returns to the next step
(None at the start of every epoch and after a skipped non-finite step). From the Trainer come
Adam, gradient clipping, the finite checks, early stopping on the validation loss with the
best epoch's weights put back, `max_time`, Ctrl-C (`TrainingInterrupted`, the best weights
kept) and the schedule: the learning rate is halved after every epoch whose validation loss
(training loss without validation) is not the best so far. The validation text is scored
after each epoch as `evaluate` scores it.

Loss is reported in nats per character (natural log); bits = nats / ln 2.
"""

import math
import os
import time
from functools import partial

import numpy as np

from lstmkit.data.text_memmap import TextFile, encoded
from lstmkit.data.tokenizers import char_tokenize
from lstmkit.data.vocabulary import Vocabulary
from lstmkit.losses import cross_entropy
from lstmkit.models.base import Estimator
from lstmkit.models.char_lm_network import CharLMNetwork
from lstmkit.models.fitted_state import Value, Vocab
from lstmkit.models.hyperparameters import (
    REGULARISERS,
    TRAINING,
    Integer,
    Real,
    declare,
    regularisers,
)
from lstmkit.ops.softmax import softmax
from lstmkit.optim import ReduceLROnPlateau
from lstmkit.random import as_generator, spawn
from lstmkit.training import StepResult, StreamChunk, StreamChunks, Trainer
from lstmkit.training.ranks import check_distributed, world_size
from lstmkit.validation import check_non_negative_int, check_positive_int, describe

_SPECIALS = ("<unk>",)  # no padding: streams all have the same length


class CharLanguageModel(Estimator):
    """Character language model: embedding + stacked LSTM + softmax over the characters.

    Args:
        embedding_dim: size of the character embeddings (default 64).
        hidden_size, num_layers: the LSTM stack (default 256 x 2: 1.55 nats/char on
            tinyshakespeare after an hour on one shared core, docs/language.md; 512 x 2
            learns more per character and is ~2.2x slower per character).
        dropout: between the LSTM layers and before the output layer (default 0.1).
        lr: Adam's learning rate (default 2e-3), halved after every epoch whose validation
            loss does not improve.
        epochs: passes over the training text (default 10).
        batch_size: B, the number of parallel streams (default 32).
        seq_len: characters per truncated-BPTT chunk (default 64).
        clip_norm: global gradient-norm clipping (default 5.0; None: off).
        validation_fraction: the last share of the text held out for early stopping and the
            learning-rate schedule when `fit` gets no `validation_text` (default 0.05; 0: off).
        patience: stop after this many epochs without a better validation loss (default 3).
        max_time: stop training after this many seconds (None: no limit).
        seed: initialisation, dropout and the per-epoch offset of the chunks.
        verbose: 0 silent; 1 (or more) a line per epoch on stderr, and a bar over each
            epoch's chunks on a terminal (the Trainer's verbose=2).
        distributed: None (default) or "mpi": under `mpiexec -n K` the text is cut into
            K * batch_size streams and every rank trains on batch_size of them, the gradients
            averaged (`lstmkit.training.ranks`); `seed` must be an int. Every rank ends with
            the same model.
        layer_norm, dropout_input, dropout_output, dropout_state: regularisers of the LSTM
            stack, as on `lstmkit.LSTM` (docs/lstm.md section 3a); all off by default.
            Their masks are drawn afresh for every chunk of seq_len characters.
        weight_drop, zoneout_cell, zoneout_hidden: likewise.
    """

    hyperparameters = declare(
        *TRAINING,
        *REGULARISERS,
        "hidden_size",
        "num_layers",
        "dropout",
        "distributed",
        embedding_dim=Integer(low=1),
        seq_len=Integer(low=1),
        max_time=Real(low=0, low_open=True, none_ok=True),
    )
    fitted_state = {
        "n_epochs_": Value(Integer(low=0)),
        "history_": Value(),  # a record (dict) per epoch
        "n_chars_trained_": Value(Integer(low=0)),
        "vocabulary_": Vocab(),
    }
    estimator_type = None  # a language model: fit(text)
    input_kind = "text"
    requires_y = False

    def __init__(
        self,
        embedding_dim=64,
        hidden_size=256,
        num_layers=2,
        dropout=0.1,
        lr=2e-3,
        epochs=10,
        batch_size=32,
        seq_len=64,
        clip_norm=5.0,
        validation_fraction=0.05,
        patience=3,
        max_time=None,
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
        distributed=None,
    ):
        self.embedding_dim = embedding_dim
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.dropout = dropout
        self.lr = lr
        self.epochs = epochs
        self.batch_size = batch_size
        self.seq_len = seq_len
        self.clip_norm = clip_norm
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.max_time = max_time
        self.seed = seed
        self.verbose = verbose
        self.layer_norm = layer_norm
        self.dropout_input = dropout_input
        self.dropout_output = dropout_output
        self.dropout_state = dropout_state
        self.weight_drop = weight_drop
        self.zoneout_cell = zoneout_cell
        self.zoneout_hidden = zoneout_hidden
        self.distributed = distributed

    # ---- fitting ------------------------------------------------------------------------------

    def fit(self, text, validation_text=None, on_epoch=None, clock=None) -> "CharLanguageModel":
        """Learn the characters of `text`: a str, or a UTF-8 text file of any size (a
        `pathlib.Path` or `lstmkit.data.text_memmap.TextFile`; a str is always the text
        itself), encoded once to a memmapped .npy of ids cached beside it and read in chunks
        from there (the held-out tail is scored in memory: keep it small, or give
        `validation_text`).

        `validation_text`: held-out text for early stopping (default: the last
        `validation_fraction` of `text`). `on_epoch(model, record)`: called after every epoch
        with the epoch's record (loss, val_nats_per_char, lr, seconds, cpu_seconds, chars:
        wall and CPU seconds and characters trained since `fit` began) while the network
        holds that epoch's weights, e.g. to log or save progress. `clock`: the function
        `max_time` is read from, as the Trainer's (None: wall time; `time.process_time`: CPU
        time of this process, a budget fair on a shared machine).

        Ctrl-C raises `lstmkit.training.TrainingInterrupted` with the model usable: the
        network holds the best epoch's weights and `history_` the epochs completed.
        """
        if on_epoch is not None and not callable(on_epoch):  # else it fails after an epoch
            raise TypeError(
                f"on_epoch must be a function (model, record) or None; got {describe(on_epoch)}"
            )
        check_distributed(type(self).__name__, self.distributed, self.seed)
        train_ids, held_ids = self._training_ids(text, validation_text)
        train = self._streams(train_ids)
        validation = None
        if validation_text is not None:
            ids = self.vocabulary_.encode(char_tokenize(validation_text))
            validation = self._scoring_chunks(ids, "validation_text")
        elif held_ids is not None:
            validation = self._scoring_chunks(np.asarray(held_ids), "the held-out text")
        network_seed, offset_seed = spawn(self.seed, 2)  # apart streams (lstmkit.random)
        self.network_ = CharLMNetwork(
            len(self.vocabulary_),
            self.embedding_dim,
            self.hidden_size,
            self.num_layers,
            self.dropout,
            seed=network_seed,
            regularisers=regularisers(self),
        )
        self.history_, self.n_epochs_, self.n_chars_trained_ = [], 0, 0
        trainer = self._trainer(validation is not None, offset_seed, on_epoch, clock)
        try:
            trainer.fit(self.network_, self._step, train, validation)
        finally:
            self.network_.eval()
        return self

    def _trainer(self, validated: bool, seed, on_epoch, clock=None) -> Trainer:
        """The Trainer of `fit`: `seed` draws the chunks' offsets; `on_epoch`, `clock` as in
        `fit`."""
        return Trainer(
            lr=self.lr,
            epochs=self.epochs,
            clip_norm=self.clip_norm or None,
            schedule=_halve_on_plateau,
            patience=self.patience if validated else None,
            monitor="val_nats_per_char" if validated else "loss",
            mode="min",
            max_time=self.max_time,
            clock=clock,
            verbose=2 if self.verbose else 0,
            seed=seed,
            callbacks=[
                partial(self._record_epoch, on_epoch, time.perf_counter(), time.process_time())
            ],
            distributed=self.distributed,
        )

    def _record_epoch(
        self, on_epoch, started: float, cpu_started: float, epoch: int, values: dict
    ) -> bool:
        """Trainer callback: append the epoch's record to `history_`, then `on_epoch`."""
        record = {"epoch": epoch, "loss": values["loss"], "lr": values["lr"]}
        if "val_nats_per_char" in values:
            record["val_nats_per_char"] = values["val_nats_per_char"]
        record["seconds"] = time.perf_counter() - started
        record["cpu_seconds"] = time.process_time() - cpu_started
        record["chars"] = self.n_chars_trained_
        self.history_.append(record)
        self.n_epochs_ = len(self.history_)
        if on_epoch is not None:
            on_epoch(self, record)
        return False

    def _training_ids(self, text, validation_text):
        """(training ids, held-out ids or None), `vocabulary_` set from the training part.
        A file (a path or `TextFile`) is encoded once to a memmapped .npy
        (`lstmkit.data.text_memmap`) and read from there, never loaded whole."""
        if isinstance(text, (os.PathLike, TextFile)):
            if validation_text is not None:
                _check_text(validation_text, "validation_text")
            fraction = self.validation_fraction if validation_text is None else 0.0
            self.vocabulary_, ids, cut = encoded(text, fraction)
            return ids[:cut], (ids[cut:] if cut < len(ids) else None)
        text, held = self._split(text, validation_text)
        self.vocabulary_ = Vocabulary.build([char_tokenize(text)], specials=_SPECIALS)
        train_ids = self.vocabulary_.encode(char_tokenize(text))
        if validation_text is None and held is not None:
            return train_ids, self.vocabulary_.encode(char_tokenize(held))
        return train_ids, None

    def _split(self, text, validation_text):
        _check_text(text, "text")
        if validation_text is not None:
            _check_text(validation_text, "validation_text")
            return text, validation_text
        if not 0 <= self.validation_fraction < 1:
            raise ValueError(
                f"validation_fraction must lie in [0, 1); got {self.validation_fraction!r}"
            )
        held = int(len(text) * self.validation_fraction)
        if held < 2:  # fewer than one prediction to score
            return text, None
        return text[:-held], text[-held:]

    def _streams(self, ids: np.ndarray) -> StreamChunks:
        """The training chunks: the text as B = batch_size * K consecutive pieces (K ranks
        of a distributed fit, else 1), the (B, n) array `streams` (n >= 2: one input and its
        next character), read `seq_len` columns at a time from a random offset each epoch.
        Views of `ids`, never a copy (a memmap stays on disk)."""
        count = self.batch_size * world_size(self.distributed)
        width = len(ids) // count
        if width < 2:
            raise ValueError(
                f"text must hold at least 2 characters per stream ({count} streams: "
                f"batch_size={self.batch_size} per rank), {2 * count} in all; got {len(ids)}"
            )
        streams = ids[: width * count].reshape(count, width)
        return StreamChunks(streams[:, :-1], streams[:, 1:], self.seq_len, random_offset=True)

    @staticmethod
    def _scoring_chunks(ids, name, streams=16, warmup=200, chunk=256) -> StreamChunks:
        """The ids of a text (named `name` in errors) as `evaluate` scores them: `streams`
        parallel pieces, each after up to `warmup` unscored characters, `chunk` columns at a
        time."""
        if len(ids) < 2:
            raise ValueError(f"{name} must hold at least 2 characters; got {len(ids)}")
        inputs, targets, scored = _scoring_streams(ids, streams, warmup)
        return StreamChunks(inputs, targets, chunk, mask=scored)

    def _step(self, chunk: StreamChunk, training: bool, state) -> StepResult:
        """The Trainer's step on one chunk, the network starting from `state` (None: zeros)
        and handing on the state it ends in.

        Training: the mean cross-entropy over the chunk's characters; the backward stops at
        `state` (the cut of truncated BPTT). Scoring: the loss summed in float64 over the
        masked targets, also as the metric "nats_per_char" (a total, as the Trainer's
        metrics are: the Trainer divides it by the count of scored characters).
        """
        logits, state = self.network_(chunk.inputs, state)
        if training:
            loss, dlogits = cross_entropy(logits, chunk.targets)
            self.n_chars_trained_ += chunk.targets.size  # characters read by training steps
            backward = partial(self.network_.backward, dlogits)
            return StepResult(float(loss), chunk.targets.size, backward=backward, carry=state)
        total, _ = cross_entropy(
            logits.astype(np.float64), chunk.targets, mask=chunk.mask, reduction="sum"
        )
        total, count = float(total), int(chunk.mask.sum())
        mean = total / count if count else 0.0
        return StepResult(mean, count, {"nats_per_char": total}, carry=state)

    # ---- evaluation ---------------------------------------------------------------------------

    def evaluate(self, text, streams=16, warmup=200, chunk=256) -> dict:
        """Mean negative log-likelihood of each character of `text` after the first, given the
        ones before it: {"nats_per_char", "bits_per_char", "chars"}.

        For speed the text is scored as `streams` parallel pieces; each piece's network first
        reads up to `warmup` characters before it (not scored), so a piece does not start
        from an empty memory. Characters unseen in training count as <unk>.
        """
        self._check_fitted()
        _check_text(text, "text")
        check_positive_int(streams, "streams")
        check_non_negative_int(warmup, "warmup")
        check_positive_int(chunk, "chunk")
        ids = self.vocabulary_.encode(char_tokenize(text))
        chunks = self._scoring_chunks(ids, "text", streams, warmup, chunk)
        self.network_.eval()
        state, total, count = None, 0.0, 0
        for piece in chunks.epoch(None):  # the same steps as the validation in `fit`
            result = self._step(piece, False, state)
            state, total = result.carry, total + result.metrics["nats_per_char"]
            count += result.count
        nats = total / count
        return {"nats_per_char": nats, "bits_per_char": nats / math.log(2), "chars": len(ids) - 1}

    # ---- generation ---------------------------------------------------------------------------

    def generate(self, prime="", length=200, temperature=1.0, top_k=None, seed=None):
        """Yield `length` characters, one at a time, continuing `prime`.

        Memory is constant in `length`: only the LSTM state (h, c) and the last character
        are kept between steps, each step running the network on one character (T = 1).
        Each next character is drawn from softmax(logits / temperature), restricted to the
        `top_k` most probable ones if given; temperature 0 (or top_k=1) picks the most
        probable character (greedy). <unk> is never produced. Without a prime, generation
        starts as after a newline (or the most frequent character if the text had none).
        """
        self._check_fitted()
        _check_text(prime, "prime")
        _check_sampling(length, temperature, top_k)
        rng = as_generator(seed)
        vocabulary, network = self.vocabulary_, self.network_.eval()
        start = "\n" if "\n" in vocabulary else vocabulary.tokens[len(_SPECIALS)]
        ids = vocabulary.encode(char_tokenize(prime) or [start])
        logits, state = network(ids[None, :], None)
        unk = vocabulary.unk_id
        for _ in range(length):
            scores = logits[0, -1].astype(np.float64)
            scores[unk] = -np.inf
            next_id = _draw(scores, temperature, top_k, rng)
            yield vocabulary.tokens[next_id]
            logits, state = network(np.array([[next_id]]), state)

    def sample(self, prime="", length=200, temperature=1.0, top_k=None, seed=None) -> str:
        """`length` generated characters continuing `prime` (not included), as a string; see
        `generate`."""
        return "".join(self.generate(prime, length, temperature, top_k, seed))

    def score(self, text, y=None) -> float:
        """Minus the validation loss in nats per character (higher is better)."""
        return -self.evaluate(text)["nats_per_char"]


def _halve_on_plateau(optimizer) -> ReduceLROnPlateau:
    """Halve the learning rate after every epoch that is not the best so far (eps 0: always,
    however small the rate has become)."""
    return ReduceLROnPlateau(
        optimizer, mode="min", factor=0.5, patience=0, threshold=0.0, threshold_mode="abs", eps=0.0
    )


def _scoring_streams(ids: np.ndarray, streams: int, warmup: int):
    """(inputs, targets, scored) (S, L) arrays: stream s predicts the targets of its piece
    ids[1 + s*P : 1 + (s+1)*P] after reading up to `warmup` earlier characters unscored."""
    predictions = len(ids) - 1
    streams = max(1, min(int(streams), predictions))
    piece = math.ceil(predictions / streams)
    width = piece + warmup
    inputs = np.zeros((streams, width), np.int64)
    targets = np.zeros((streams, width), np.int64)
    scored = np.zeros((streams, width), bool)
    for s in range(streams):
        first = 1 + s * piece  # first target position scored by this stream
        last = min(first + piece, len(ids))  # one past the last
        begin = max(first - 1 - warmup, 0)  # input position the stream starts reading at
        steps = last - 1 - begin
        inputs[s, :steps] = ids[begin : last - 1]
        targets[s, :steps] = ids[begin + 1 : last]
        scored[s, first - 1 - begin : steps] = True
    return inputs, targets, scored


def _draw(scores: np.ndarray, temperature: float, top_k, rng) -> int:
    if temperature == 0 or top_k == 1:
        return int(np.argmax(scores))
    scores = scores / temperature
    if top_k is not None and top_k < len(scores):
        threshold = np.partition(scores, -top_k)[-top_k]
        scores = np.where(scores >= threshold, scores, -np.inf)
    probabilities = softmax(scores)
    return int(rng.choice(len(scores), p=probabilities / probabilities.sum()))


def _check_sampling(length, temperature, top_k) -> None:
    check_non_negative_int(length, "length")
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)):
        raise ValueError(f"temperature must be a number >= 0; got {temperature!r}")
    if not (temperature >= 0 and math.isfinite(temperature)):
        raise ValueError(f"temperature must be a finite number >= 0; got {temperature!r}")
    if top_k is not None and (
        isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer)) or top_k < 1
    ):
        raise ValueError(f"top_k must be None or a positive integer; got {top_k!r}")


def _check_text(text, name: str) -> None:
    if not isinstance(text, str):
        raise ValueError(f"{name} must be a str; got {type(text).__name__}")
