"""`SequenceClassifier`: one label per sequence, from a recurrent encoder.

    X (sequences) --standardise per channel--> encoder --head--> softmax over classes

Fitting: the channels are standardised with the training data's per-channel mean and
standard deviation (over all valid time steps; missing values, NaN, become the channel mean,
i.e. 0 after standardising); a stratified `validation_fraction` of the training sequences is
held out for early stopping on the validation loss, with the best epoch's weights restored;
the Trainer batches sequences of similar length together. `ensemble` networks are trained
this way, each with its own seed and validation split, and their probabilities averaged
(`SequenceEnsemble`). Labels of any type (strings, ints) are learned as given and returned as
given.
"""

import warnings

import numpy as np

from lstmkit.data.sequences import SequenceData, pad_sequences
from lstmkit.losses import cross_entropy
from lstmkit.models.base import Estimator
from lstmkit.models.class_labels import class_labels, label_array
from lstmkit.models.fcn_network import ARCHITECTURES, auto_conv_stride
from lstmkit.models.fitted_state import Labels, Numbers, Value
from lstmkit.models.hyperparameters import ENCODER, TRAINING, Choice, Integer, OneOf, declare
from lstmkit.models.member_fits import MemberFit, train_members
from lstmkit.models.sequence_ensemble import SequenceEnsemble, member_seeds
from lstmkit.models.sequence_input import LAYOUTS, as_sequences
from lstmkit.models.step_chunks import auto_recurrent_stride
from lstmkit.random import as_generator
from lstmkit.training import StepResult
from lstmkit.training.ranks import check_distributed
from lstmkit.training.standardised import StandardisedSequences, standardise
from lstmkit.validation import check_observed, check_spread


class SequenceClassifier(Estimator):
    """Classify whole sequences (speech frames, sensor traces, gestures) with an LSTM beside a
    convolutional branch (LSTM-FCN, by default) or with an LSTM alone.

    Args:
        cell: "lstm" (default), "gru" or "rnn".
        hidden_size, num_layers, bidirectional: the encoder's shape (default 64, 1, True).
        head: "max" (default: the maximum over the valid steps of each feature), "mean" or
            "last" (the last valid step; for unidirectional encoders only).
        dropout: before the output layer and between stacked layers.
        lr, epochs, batch_size, weight_decay, clip_norm: training (Adam).
        ensemble: how many networks are trained (each with its own seed and validation
            split) and averaged; 3 by default (a steadier result on JapaneseVowels than
            one network, at three times the training time: docs/benchmarks.md).
        architecture: "lstm-fcn" (default: Karim et al. 2017, the encoder and head above
            beside three convolutional blocks; see `lstmkit.models.fcn_network`),
            "alstm-fcn" (the same with attention over the encoder's outputs) or "lstm" (the
            encoder, head and output layer alone). One default for every data set: LSTM-FCN
            led on the five sets of docs/benchmarks.md (choosing per data set on a
            validation split would double every fit's time).
        filters: the first and last convolutional blocks' filters (the middle one has twice
            as many); 64 by default (the paper's 128 cost four times as much per step for
            no gain measured here); used by "lstm-fcn" and "alstm-fcn" only.
        recurrent_stride: how many consecutive steps the recurrent branch of "lstm-fcn" and
            "alstm-fcn" reads as one step (`lstmkit.models.step_chunks`): 1 reads step by
            step, a stride at least the series' length is the paper's "dimension shuffle";
            "auto" (default) reads the longest training series in at most 32 steps.
        conv_stride: the stride of the first convolution of "lstm-fcn" and "alstm-fcn" (the
            blocks after it run on 1 / conv_stride of the steps); "auto" (default) is 1 for
            series up to 384 steps, else ceil(longest training series / 384).
        patience: early-stopping patience in epochs on the validation loss.
        validation_fraction: share of the training data held out (stratified) for early
            stopping; 0 trains on everything for `epochs` epochs.
        seed: makes splitting, initialisation, dropout and batching reproducible.
        n_jobs: how many members train at once, as in scikit-learn (None or 1: one
            after another in this process; -1: every core; joblib's workers, or a Dask
            cluster under `joblib.parallel_backend("dask")`: docs/scaling.md). The
            result is the same, bit for bit, for every n_jobs.
        distributed: None (default) or "mpi": under `mpiexec -n K` every member trains on
            all K ranks, each taking `batch_size` sequences of every global batch of
            K * batch_size (`lstmkit.training.ranks`); the members train one after another
            (n_jobs must be None or 1) and `seed` must be an int. Every rank ends with the
            same model.
        verbose: 0 silent, 1 progress bars and a line per epoch.

        layout: "NTC" (default: X is (N, T, C) or a list of (T_i, C) arrays) or "NCT" (aeon's
            and sktime's (N, C, T), or a list of (C, T_i) arrays); see `sequence_input`.

    The recurrent branch's defaults were chosen on JapaneseVowels' training data (see
    docs/benchmarks.md): a bidirectional LSTM of 64 units, max pooling, dropout 0.3, Adam at
    1e-3.

    `fit(X, y, lengths=None)`: X is a list of sequences, a padded 3-D array with `lengths`
    (valid steps per sequence), or a (N, T) array of univariate sequences.
    """

    hyperparameters = declare(
        *ENCODER,
        *TRAINING,
        "weight_decay",
        "n_jobs",
        "distributed",
        head=Choice("max", "mean", "last"),
        ensemble=Integer(low=1),
        architecture=Choice("lstm", *ARCHITECTURES),
        filters=Integer(low=1),
        recurrent_stride=OneOf(Choice("auto"), Integer(low=1)),
        conv_stride=OneOf(Choice("auto"), Integer(low=1)),
        layout=Choice(*LAYOUTS),
    )
    fitted_state = {
        "n_features_in_": Value(Integer(low=1)),
        "n_epochs_": Value(Integer(low=0)),
        "classes_": Labels(),
        "mean_": Numbers(),
        "scale_": Numbers(),
    }
    estimator_type = "classifier"
    input_kind = "sequences"
    allows_nan = True  # missing values become the channel mean

    def __init__(
        self,
        cell="lstm",
        hidden_size=64,
        num_layers=1,
        bidirectional=True,
        head="max",
        dropout=0.3,
        lr=1e-3,
        epochs=300,
        batch_size=32,
        weight_decay=0.0,
        clip_norm=1.0,
        patience=40,
        validation_fraction=0.15,
        ensemble=3,
        architecture="lstm-fcn",
        filters=64,
        recurrent_stride="auto",
        conv_stride="auto",
        layout="NTC",
        seed=None,
        n_jobs=None,
        verbose=0,
        distributed=None,
    ):
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.head = head
        self.dropout = dropout
        self.lr = lr
        self.epochs = epochs
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.clip_norm = clip_norm
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.ensemble = ensemble
        self.architecture = architecture
        self.filters = filters
        self.recurrent_stride = recurrent_stride
        self.conv_stride = conv_stride
        self.layout = layout
        self.seed = seed
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.distributed = distributed

    def _check_combination(self) -> None:
        if self.head == "last" and self.bidirectional:
            raise ValueError(
                "SequenceClassifier: head='last' needs bidirectional=False (at the last valid "
                "step the reverse direction has read only that one step); use head='max' or "
                "'mean', or a unidirectional encoder"
            )

    # ---- fitting ------------------------------------------------------------------------------

    def fit(self, X, y, lengths=None) -> "SequenceClassifier":
        check_distributed(type(self).__name__, self.distributed, self.seed, self.n_jobs)
        sequences = as_sequences(X, lengths, layout=self.layout)
        self.classes_, targets = class_labels(y, len(sequences))
        self.n_features_in_ = int(sequences[0].shape[1])
        self.mean_, self.scale_ = channel_statistics(sequences)
        # standardised batch by batch: a memory-mapped X is never copied whole
        data = StandardisedSequences(sequences, targets, self.mean_, self.scale_)
        self.network_ = SequenceEnsemble(
            self.n_features_in_,
            len(self.classes_),
            cell=self.cell,
            hidden_size=self.hidden_size,
            num_layers=self.num_layers,
            bidirectional=self.bidirectional,
            head=self.head,
            dropout=self.dropout,
            members=self.ensemble,
            seed=self.seed,
            architecture=self.architecture,
            filters=self.filters,
            **self._strides_for(sequences),
        )
        # every member's seeds and split are fixed here, in member order, before any trains
        fits = [self._member_fit(k, data, targets) for k in range(self.ensemble)]
        histories = train_members(self.network_, fits, self.n_jobs, self.verbose)
        self.history_ = histories[0]
        self.member_histories_ = histories  # one History per member (not saved)
        self.n_epochs_ = self.history_.epochs
        return self

    def _strides_for(self, sequences) -> dict:
        """recurrent_stride and conv_stride, "auto" resolved on the longest training sequence."""
        longest = max(len(s) for s in sequences)
        rules = {"recurrent_stride": auto_recurrent_stride, "conv_stride": auto_conv_stride}
        return {
            name: rule(longest) if getattr(self, name) == "auto" else getattr(self, name)
            for name, rule in rules.items()
        }

    def _member_fit(self, k, data, targets) -> MemberFit:
        """Member k's fit, on its own stratified split."""
        _, split_seed, shuffle_seed = member_seeds(self.seed, k)
        train, validation = stratified_split(data, targets, self.validation_fraction, split_seed)
        trainer = dict(
            lr=self.lr,
            epochs=self.epochs,
            batch_size=self.batch_size,
            weight_decay=self.weight_decay,
            clip_norm=self.clip_norm,
            patience=self.patience if validation is not None else None,
            verbose=self.verbose,
            seed=shuffle_seed,
            distributed=self.distributed,
        )
        return MemberFit(self.network_.member(k), self._step_for, trainer, train, validation)

    @staticmethod
    def _step_for(network):
        def step(batch, training):
            logits = network.forward(batch.x, batch.lengths)
            loss, dlogits = cross_entropy(logits, batch.y)
            correct = int((logits.argmax(axis=1) == batch.y).sum())
            return StepResult(
                float(loss),
                len(batch.y),
                {"accuracy": correct},
                backward=lambda: network.backward(dlogits),
            )

        return step

    # ---- prediction ---------------------------------------------------------------------------

    def predict_proba(self, X, lengths=None) -> np.ndarray:
        """Class probabilities (N, n_classes), columns in the order of `classes_`."""
        self._check_fitted()
        sequences = as_sequences(X, lengths, self.n_features_in_, self.layout)
        probabilities = np.empty((len(sequences), len(self.classes_)))
        order = np.argsort([len(s) for s in sequences], kind="stable")
        for start in range(0, len(order), 256):
            chosen = order[start : start + 256]
            # standardised batch by batch: a memory-mapped X is never copied whole
            x, batch_lengths = pad_sequences(self._standardise([sequences[i] for i in chosen]))
            probabilities[chosen] = self.network_.probabilities(x, batch_lengths)
        return probabilities

    def predict(self, X, lengths=None) -> np.ndarray:
        """The most probable class of each sequence, as given in `y` at fit time."""
        probabilities = self.predict_proba(X, lengths)
        return self.classes_[probabilities.argmax(axis=1)]

    def score(self, X, y, lengths=None) -> float:
        """Accuracy on (X, y)."""
        predictions = self.predict(X, lengths)
        return float(np.mean(predictions == label_array(y, len(predictions))))

    def _standardise(self, sequences):
        return [standardise(s, self.mean_, self.scale_) for s in sequences]


STATISTICS_ROWS = 1 << 20  # time steps stacked at a time by `channel_statistics`


def channel_statistics(sequences) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and standard deviation over every time step (NaN ignored; 1 if 0).
    A channel without any number, or too large to scale, is refused.

    The steps are stacked STATISTICS_ROWS at a time, never all at once (X may be a memmap
    larger than memory): one group gives NumPy's nanmean and nanstd of the whole; groups g
    of n_g numbers, mean m_g and squared deviations M_g are combined as
        n = sum n_g,  m = sum n_g m_g / n,  M = sum (M_g + n_g (m_g - m)^2),  std = sqrt(M / n)
    """
    groups = [_group_statistics(stacked) for stacked in _stacked_groups(sequences)]
    counts = np.sum([n for n, _, _ in groups], axis=0)
    check_observed(np.where(counts > 0, 0.0, np.nan)[None, :], "X")
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is refused just below
        if len(groups) == 1:
            _, mean, scale = groups[0]
        else:
            mean = np.sum([n * m for n, m, _ in groups], axis=0) / counts
            squares = sum(n * s**2 + n * (m - mean) ** 2 for n, m, s in groups)
            scale = np.sqrt(squares / counts)
    check_spread(scale, "X", "values per channel")
    return mean, np.where(scale == 0, 1.0, scale)


def _stacked_groups(sequences):
    """The sequences' steps stacked into (rows, C) arrays of about STATISTICS_ROWS rows."""
    group, rows = [], 0
    for s in sequences:
        group.append(s)
        rows += len(s)
        if rows >= STATISTICS_ROWS:
            yield np.concatenate(group, axis=0).astype(np.float64, copy=False)
            group, rows = [], 0
    if group:
        yield np.concatenate(group, axis=0).astype(np.float64, copy=False)


def _group_statistics(stacked) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(numbers, nanmean, nanstd) per channel of one group (mean and std NaN where a channel
    has no number in it, weighted by 0 when combined)."""
    counts = np.sum(~np.isnan(stacked), axis=0)
    with np.errstate(over="ignore", invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a channel all NaN in this group
        mean, scale = np.nanmean(stacked, axis=0), np.nanstd(stacked, axis=0)
    return counts, np.where(counts > 0, mean, 0.0), np.where(counts > 0, scale, 0.0)


def stratified_split(data: SequenceData, targets, fraction: float, seed):
    """(train, validation or None): `fraction` of each class held out, at least one per class
    when the class has at least two members."""
    if not 0 <= fraction < 1:
        raise ValueError(f"validation_fraction must lie in [0, 1); got {fraction!r}")
    if fraction == 0:
        return data, None
    rng = as_generator(seed)
    held = []
    for label in np.unique(targets):
        members = rng.permutation(np.flatnonzero(targets == label))
        count = int(round(fraction * len(members)))
        if len(members) >= 2:
            held.extend(members[: max(1, count)])
    held = np.array(sorted(held), dtype=np.int64)
    kept = np.setdiff1d(np.arange(len(data)), held)
    if len(held) == 0 or len(kept) == 0:
        return data, None

    def subset(indices):
        if isinstance(data, StandardisedSequences):
            return data.subset(indices)
        return SequenceData([data.sequences[i] for i in indices], data.targets[indices])

    return subset(kept), subset(held)
