"""Seeds of the networks and estimators: None, an int or a Generator everywhere; the same seed
gives the same model bit for bit; child streams are spawned (lstmkit.random), so ensemble
members, layers and the training streams of one seed never share a stream."""

import numpy as np
import pytest

from lstmkit import GRU, LSTM, RNN
from lstmkit.data import SequenceData
from lstmkit.experiments import TaskNetwork
from lstmkit.models.char_lm_network import CharLMNetwork
from lstmkit.models.forecast_network import ForecastEnsemble, ForecastNetwork
from lstmkit.models.forecast_network import member_seed as forecast_member_seed
from lstmkit.models.forecast_network import member_seeds as forecast_member_seeds
from lstmkit.models.seq2seq_network import Seq2SeqNetwork
from lstmkit.models.sequence_ensemble import SequenceEnsemble, member_seed, member_seeds
from lstmkit.models.sequence_network import SequenceNetwork
from lstmkit.models.tagger_network import TaggerNetwork
from lstmkit.models.text_network import TextNetwork
from lstmkit.nn import Dropout, Linear
from lstmkit.nn.attention import Attention
from lstmkit.nn.char_encoder import CharEncoder
from lstmkit.nn.embedding import Embedding
from lstmkit.training import Trainer

BUILDERS = {
    "LSTM": lambda seed: LSTM(3, 4, num_layers=2, bidirectional=True, seed=seed),
    "GRU": lambda seed: GRU(3, 4, seed=seed),
    "RNN": lambda seed: RNN(3, 4, seed=seed),
    "Linear": lambda seed: Linear(3, 4, seed=seed),
    "Embedding": lambda seed: Embedding(6, 3, seed=seed),
    "Attention": lambda seed: Attention(4, 4, seed=seed),
    "CharEncoder": lambda seed: CharEncoder(7, 3, 4, seed=seed),
    "SequenceNetwork": lambda seed: SequenceNetwork(3, 2, hidden_size=4, seed=seed),
    "SequenceEnsemble": lambda seed: SequenceEnsemble(3, 2, hidden_size=4, members=2, seed=seed),
    "ForecastNetwork": lambda seed: ForecastNetwork(3, 2, hidden_size=4, seed=seed),
    "ForecastEnsemble": lambda seed: ForecastEnsemble(3, 2, hidden_size=4, members=2, seed=seed),
    "CharLMNetwork": lambda seed: CharLMNetwork(6, 3, 4, seed=seed),
    "TaggerNetwork": lambda seed: TaggerNetwork(8, 6, 3, 4, 3, 3, 4, seed=seed),
    "TextNetwork": lambda seed: TextNetwork(8, 3, 2, hidden_size=4, seed=seed),
    "Seq2SeqNetwork": lambda seed: Seq2SeqNetwork(7, 6, embedding_size=3, hidden_size=4, seed=seed),
    "TaskNetwork": lambda seed: TaskNetwork(2, 1, "lstm", 4, seed=seed),
}


def _params(module) -> dict:
    return {name: value.copy() for name, value in module.params.items()}


def _equal(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_the_same_seed_gives_the_same_parameters_bit_for_bit(name):
    build = BUILDERS[name]
    assert _equal(_params(build(0)), _params(build(0)))
    assert _equal(_params(build(np.int64(7))), _params(build(7)))
    assert not _equal(_params(build(0)), _params(build(1)))


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_a_generator_is_a_seed_and_a_fresh_one_of_the_same_state_gives_the_same_model(name):
    build = BUILDERS[name]
    generator = np.random.default_rng(0)
    first = _params(build(generator))
    assert _equal(first, _params(build(np.random.default_rng(0))))
    # the generator was drawn from: building again from it gives another model
    assert not _equal(first, _params(build(generator)))


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_a_seed_sequence_is_a_seed_and_none_is_fresh(name):
    build = BUILDERS[name]
    sequence = np.random.SeedSequence(3)
    assert _equal(_params(build(sequence)), _params(build(np.random.SeedSequence(3))))
    assert not _equal(_params(build(None)), _params(build(None)))


@pytest.mark.parametrize("name", sorted(BUILDERS))
@pytest.mark.parametrize(
    "seed, error", [(-1, ValueError), (1.5, TypeError), (True, TypeError), ("0", TypeError)]
)
def test_a_bad_seed_is_refused_with_the_designs_error(name, seed, error):
    with pytest.raises(error, match=r"seed must be None, an int >= 0, a np\.random\.Generator"):
        BUILDERS[name](seed)


def test_sequence_network_takes_a_generator_and_equals_itself_from_a_fresh_one():
    # lstmkit issue 19: this raised TypeError (seed + 1 on a Generator)
    a = SequenceNetwork(3, 2, hidden_size=4, dropout=0.5, seed=np.random.default_rng(0))
    b = SequenceNetwork(3, 2, hidden_size=4, dropout=0.5, seed=np.random.default_rng(0))
    assert _equal(_params(a), _params(b))
    x = np.random.default_rng(9).standard_normal((5, 6, 3)).astype(np.float32)
    np.testing.assert_array_equal(a.train()(x), b.train()(x))  # the same dropout masks too


def test_layers_of_networks_of_nearby_seeds_do_not_share_streams():
    # with seed, seed + 1, seed + 2 for encoder, dropout and output, the output layer of seed 0
    # was drawn from the stream of the encoder of seed 2 (same bound 1/sqrt(4): same numbers)
    def network(seed):
        return SequenceNetwork(4, 4, hidden_size=4, bidirectional=False, seed=seed)

    output_of_0 = network(0).output.weight.ravel()
    for seed in range(1, 4):
        encoder = network(seed).encoder.params["weight_ih_l0"].ravel()
        assert not np.isin(output_of_0, encoder).any()


def test_member_seeds_no_longer_collide_across_seeds():
    # the finding of issue 19: seed + 1000 k made member 1 of seed 0 member 0 of seed 1000
    state = lambda s: tuple(np.random.SeedSequence.generate_state(s, 4))  # noqa: E731
    assert state(member_seed(0, 1)) != state(member_seed(1000, 0))
    assert state(forecast_member_seed(0, 1)) != state(forecast_member_seed(10, 0))
    ensemble = SequenceEnsemble(3, 2, hidden_size=4, members=2, seed=0)
    alone = SequenceEnsemble(3, 2, hidden_size=4, members=1, seed=1000)
    assert not _equal(_params(ensemble.member(1)), _params(alone.member(0)))
    forecast = ForecastEnsemble(3, 2, hidden_size=4, members=2, seed=0)
    forecast_alone = ForecastEnsemble(3, 2, hidden_size=4, members=1, seed=10)
    assert not _equal(_params(forecast.member(1)), _params(forecast_alone.member(0)))


def test_ensemble_members_and_their_training_streams_are_all_distinct():
    state = lambda s: tuple(np.random.SeedSequence.generate_state(s, 4))  # noqa: E731
    for seeds_of in (member_seeds, forecast_member_seeds):  # (network, [split,] shuffle)
        streams = [state(s) for k in range(4) for s in seeds_of(0, k)]
        streams += [state(member_seed(0, k)) for k in range(4)]
        assert len(set(streams)) == len(streams)
    ensemble = SequenceEnsemble(3, 2, hidden_size=4, members=3, seed=0)
    members = [_params(ensemble.member(k)) for k in range(3)]
    assert not _equal(members[0], members[1]) and not _equal(members[1], members[2])
    # member k is the network of member_seeds(seed, k)[0], whatever the ensemble's size
    single = SequenceNetwork(3, 2, hidden_size=4, seed=member_seeds(0, 2)[0])
    assert _equal(members[2], _params(single))


def test_dropout_masks_follow_the_seed():
    x = np.ones((4, 8), np.float32)
    a, b = Dropout(0.5, seed=np.random.default_rng(1)), Dropout(0.5, seed=np.random.default_rng(1))
    np.testing.assert_array_equal(a(x), b(x))
    assert not np.array_equal(Dropout(0.5, seed=1)(x), Dropout(0.5, seed=2)(x))


def _fit_once(seed):
    network = SequenceNetwork(1, 2, hidden_size=4, bidirectional=False, seed=0)
    rng = np.random.default_rng(0)
    sequences = [rng.standard_normal((int(n), 1)) for n in rng.integers(3, 9, size=40)]
    data = SequenceData(sequences, targets=np.array([s.sum() > 0 for s in sequences], int))
    order = []

    def step(batch, training):
        from lstmkit.losses import cross_entropy
        from lstmkit.training import StepResult

        order.append(batch.lengths.tolist())
        logits = network.forward(batch.x, batch.lengths)
        loss, dlogits = cross_entropy(logits, batch.y)
        return StepResult(float(loss), len(batch.y), backward=lambda: network.backward(dlogits))

    Trainer(epochs=2, batch_size=8, verbose=0, seed=seed).fit(network, step, data)
    return order, _params(network)


def test_trainer_shuffling_takes_an_int_a_generator_or_a_seed_sequence():
    order, params = _fit_once(3)
    again, params_again = _fit_once(3)
    assert order == again and _equal(params, params_again)
    from_generator, _ = _fit_once(np.random.default_rng(3))
    assert from_generator == _fit_once(np.random.default_rng(3))[0]
    assert _fit_once(np.random.SeedSequence(3))[0] == order  # an int is its SeedSequence
    assert _fit_once(4)[0] != order


@pytest.mark.parametrize("seed, error", [(-2, ValueError), (0.5, TypeError)])
def test_trainer_refuses_a_bad_seed(seed, error):
    with pytest.raises(error, match="seed must be None, an int >= 0"):
        Trainer(seed=seed)


def _classifier(seed, ensemble=2):
    from lstmkit.models import SequenceClassifier

    return SequenceClassifier(
        hidden_size=4, epochs=2, batch_size=8, ensemble=ensemble, verbose=0, seed=seed
    )


def _classification_data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 6, 2)).astype(np.float32)
    return x, (x[:, :, 0].sum(axis=1) > 0).astype(int)


def test_an_estimator_stores_its_seed_unchanged_and_fits_the_same_from_the_same_seed():
    x, y = _classification_data()
    generator = np.random.default_rng(0)
    model = _classifier(generator)
    assert model.get_params()["seed"] is generator  # a hyperparameter, as scikit-learn's
    first = model.fit(x, y).predict_proba(x)
    np.testing.assert_array_equal(
        first, _classifier(np.random.default_rng(0)).fit(x, y).predict_proba(x)
    )
    # a fit draws from the generator (as scikit-learn's random_state does with a RandomState)
    assert not np.array_equal(first, model.fit(x, y).predict_proba(x))
    by_int = _classifier(5).fit(x, y).predict_proba(x)
    np.testing.assert_array_equal(by_int, _classifier(5).fit(x, y).predict_proba(x))
    assert not np.array_equal(by_int, _classifier(6).fit(x, y).predict_proba(x))


def test_a_forecaster_takes_a_generator():
    from lstmkit.models import Forecaster

    series = np.sin(np.arange(120) / 3.0) + 0.01 * np.arange(120)

    def forecast(seed):
        model = Forecaster(horizon=3, epochs=2, hidden_size=4, ensemble=2, verbose=0, seed=seed)
        return model.fit(series).predict()

    np.testing.assert_array_equal(
        forecast(np.random.default_rng(1)), forecast(np.random.default_rng(1))
    )
    np.testing.assert_array_equal(forecast(1), forecast(1))


@pytest.mark.parametrize(
    "seed, saved",
    [(np.random.default_rng(0), None), (np.random.SeedSequence(1), None), (3, 3), (np.int64(4), 4)],
)
def test_an_estimator_fitted_from_any_seed_saves_and_loads(tmp_path, seed, saved):
    import lstmkit

    x, y = _classification_data()
    model = _classifier(seed, ensemble=1).fit(x, y)
    lstmkit.save(model, tmp_path / "model.safetensors")
    loaded = lstmkit.load(tmp_path / "model.safetensors")
    assert loaded.seed == saved  # a generator's stream cannot be written to a file
    np.testing.assert_array_equal(loaded.predict_proba(x), model.predict_proba(x))
