"""lstmkit.random: what a seed may be, and child streams spawned, never derived by arithmetic."""

import ast
from pathlib import Path

import numpy as np
import pytest

import lstmkit
from lstmkit.random import (
    as_generator,
    check_seed,
    child,
    seed_sequence,
    seed_to_json,
    spawn,
)

PACKAGE = Path(lstmkit.__file__).parent


def _state(seed_sequence_) -> tuple:
    """What identifies a child's stream: the words it seeds a bit generator with."""
    return tuple(seed_sequence_.generate_state(4).tolist())


# ---- check_seed ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "seed",
    [
        None,
        0,
        7,
        2**70,
        np.int64(3),
        np.uint8(1),
        np.random.default_rng(0),
        np.random.SeedSequence(5),
    ],
)
def test_check_seed_returns_every_accepted_seed_unchanged(seed):
    assert check_seed(seed) is seed


@pytest.mark.parametrize(
    "seed, error, shown",
    [
        (-1, ValueError, "got -1"),
        (np.int32(-4), ValueError, "got -4"),
        (True, TypeError, "got True (bool)"),
        (np.bool_(False), TypeError, "(bool"),
        (1.0, TypeError, "got 1.0 (float)"),
        ("0", TypeError, "got '0' (str)"),
        ([1, 2], TypeError, "got [1, 2] (list)"),
        (np.random.RandomState(0), TypeError, "(RandomState)"),
        (np.random.PCG64(0), TypeError, "(PCG64)"),
    ],
)
def test_a_bad_seed_is_refused_naming_the_argument_what_was_expected_and_what_came(
    seed, error, shown
):
    with pytest.raises(error) as raised:
        check_seed(seed, "random_seed")
    message = str(raised.value)
    assert message.startswith("random_seed must be None, an int >= 0, a np.random.Generator")
    assert shown in message


@pytest.mark.parametrize("function", [as_generator, seed_sequence, lambda s: spawn(s, 2)])
def test_every_entry_point_checks_the_seed(function):
    with pytest.raises(ValueError, match="seed must be"):
        function(-3)
    with pytest.raises(TypeError, match="seed must be"):
        function(2.5)


@pytest.mark.parametrize("n", [-1, 1.0, True])
def test_spawn_refuses_a_bad_count(n):
    with pytest.raises(ValueError, match="n must be an int >= 0"):
        spawn(0, n)


def test_child_refuses_a_negative_index():
    with pytest.raises(ValueError, match="k must be an int >= 0; got -1"):
        child(0, -1)


# ---- as_generator -------------------------------------------------------------------------


def test_as_generator_gives_numpys_stream_for_an_int_and_a_seed_sequence():
    expected = np.random.default_rng(11).random(5)
    np.testing.assert_array_equal(as_generator(11).random(5), expected)
    np.testing.assert_array_equal(as_generator(np.int16(11)).random(5), expected)
    sequence = np.random.SeedSequence(11)
    np.testing.assert_array_equal(as_generator(sequence).random(5), expected)


def test_as_generator_uses_a_generator_as_is():
    generator = np.random.default_rng(0)
    assert as_generator(generator) is generator


def test_as_generator_of_none_is_fresh():
    assert as_generator(None).random() != as_generator(None).random()


# ---- spawn and child ----------------------------------------------------------------------


def test_the_children_of_an_int_are_numpys_spawned_children():
    ours = spawn(42, 3)
    numpys = np.random.SeedSequence(42).spawn(3)
    assert [_state(s) for s in ours] == [_state(s) for s in numpys]
    assert [s.spawn_key for s in ours] == [(0,), (1,), (2,)]


def test_the_same_int_gives_the_same_children_at_every_call():
    assert [_state(s) for s in spawn(9, 4)] == [_state(s) for s in spawn(9, 4)]
    assert _state(child(9, 2)) == _state(spawn(9, 4)[2])


def test_children_of_distinct_seed_and_index_never_collide():
    # `seed + 1000 k` gave member 1 of seed 0 the stream of member 0 of seed 1000
    assert _state(child(0, 1)) != _state(child(1000, 0))
    states = {_state(child(seed, k)) for seed in (*range(40), 1000, 2**32) for k in range(25)}
    assert len(states) == 42 * 25
    # nor with the roots themselves, nor with grandchildren
    roots = {_state(np.random.SeedSequence(seed)) for seed in range(40)}
    grandchildren = {_state(child(child(0, k), j)) for k in range(5) for j in range(5)}
    assert not states & roots and not states & grandchildren and len(grandchildren) == 25


def test_a_seed_sequence_is_a_value_its_spawn_counter_is_left_alone():
    sequence = np.random.SeedSequence(123)
    first = [_state(s) for s in spawn(sequence, 3)]
    assert [_state(s) for s in spawn(sequence, 3)] == first
    assert sequence.n_children_spawned == 0
    assert first == [_state(s) for s in spawn(123, 3)]
    # a child's children extend its key, so the tree stays distinct
    assert spawn(spawn(sequence, 2)[1], 2)[0].spawn_key == (1, 0)


def test_a_generator_is_drawn_from_and_the_same_state_gives_the_same_children():
    generator = np.random.default_rng(5)
    before = generator.bit_generator.state
    first = [_state(s) for s in spawn(generator, 3)]
    assert generator.bit_generator.state != before  # advanced
    second = [_state(s) for s in spawn(generator, 3)]
    assert first != second
    assert [_state(s) for s in spawn(np.random.default_rng(5), 3)] == first
    assert len(set(first)) == 3


def test_none_gives_fresh_distinct_children():
    first, second = spawn(None, 2), spawn(None, 2)
    assert len({_state(s) for s in first + second}) == 4


def test_every_child_is_a_seed_that_numpy_and_lstmkit_accept():
    for seed in spawn(0, 2) + spawn(np.random.default_rng(0), 1) + spawn(None, 1):
        assert check_seed(seed) is seed
        assert np.random.default_rng(seed).random() == as_generator(seed).random()


def test_seed_to_json_keeps_ints_only():
    assert seed_to_json(3) == 3 and type(seed_to_json(np.int64(3))) is int
    for seed in (None, np.random.default_rng(0), np.random.SeedSequence(1), True):
        assert seed_to_json(seed) is None


# ---- no seed arithmetic anywhere in the package -------------------------------------------


def _mentions_seed(node) -> bool:
    """A name, attribute or int(...) call whose name says seed (seed, self.seed, args.seed)."""
    if isinstance(node, ast.Name):
        return "seed" in node.id.lower()
    if isinstance(node, ast.Attribute):
        return "seed" in node.attr.lower()
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.args:
        return node.func.id in ("int", "abs") and _mentions_seed(node.args[0])
    return False


def _seed_arithmetic(tree) -> list[int]:
    """Lines where a seed is an operand of + - * or a member of a list/tuple handed to
    default_rng / SeedSequence (`default_rng([seed, k])` is entropy seed + k * 2**32)."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp | ast.AugAssign) and isinstance(
            node.op, ast.Add | ast.Sub | ast.Mult
        ):
            operands = (node.left, node.right) if isinstance(node, ast.BinOp) else (node.target,)
            if any(_mentions_seed(operand) for operand in operands):
                lines.append(node.lineno)
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name in ("default_rng", "SeedSequence"):
                for argument in node.args:
                    for inner in ast.walk(argument):
                        if isinstance(inner, ast.List | ast.Tuple) and any(
                            _mentions_seed(part) for part in ast.walk(inner)
                        ):
                            lines.append(node.lineno)
    return sorted(set(lines))


def test_the_checker_finds_the_patterns_it_is_meant_to_find():
    source = """
a = seed + 1
b = None if seed is None else self.seed + 10 * k
c = int(seed) + 1_000_003
d = np.random.default_rng([trainer.seed if trainer.seed is not None else 0, epoch])
e = [seed + k for k in range(4)]
seed_sum += 1
ok = child(seed, 1), spawn(seed, 3), np.random.default_rng(seed), k + 1, [seed, k]
"""
    assert _seed_arithmetic(ast.parse(source)) == [2, 3, 4, 5, 6, 7]


def test_no_module_derives_a_seed_by_arithmetic():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found += [f"{path.relative_to(PACKAGE.parent)}:{line}" for line in _seed_arithmetic(tree)]
    assert not found, f"derive child seeds with lstmkit.random.spawn/child instead: {found}"
