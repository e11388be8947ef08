"""The command line tells lstmkit's own data and usage errors (exit 1, 2) from bugs (exit 3)."""

import functools
from pathlib import Path

import numpy as np
import pytest

import lstmkit.cli.trace
from lstmkit.cli import main
from lstmkit.cli.common import UsageError
from lstmkit.cli.failures import exit_status, raised_by_lstmkit
from lstmkit.io.safetensors import SafetensorsError

PACKAGE = Path(lstmkit.__file__).resolve().parent


def error_from(source: str, filename: str) -> BaseException:
    """The exception that `source`, compiled as if it were the file `filename`, raises."""
    code = compile(source, filename, "exec")
    try:
        exec(code, {"np": np})
    except BaseException as error:  # whatever it raises is the result
        return error
    raise AssertionError(f"{source!r} raised nothing")


INSIDE = str(PACKAGE / "some_module.py")  # need not exist: only the name is compared
OUTSIDE = str(PACKAGE.parent / "elsewhere.py")


@pytest.mark.parametrize(
    "source, filename, status",
    [
        # the checks of lstmkit's own code: data errors
        ("raise ValueError('x must have shape (N, T, 3); got (2, 4)')", INSIDE, 1),
        ("raise TypeError('x must hold real numbers; got dtype object')", INSIDE, 1),
        # errors that no `raise` of lstmkit's made, even inside lstmkit: bugs
        ("np.ones(2) + np.ones(3)", INSIDE, 3),
        ("{}['hidden_size']", INSIDE, 3),
        ("len(5)", INSIDE, 3),
        ("[][0]", INSIDE, 3),
        ("None.shape", INSIDE, 3),
        ("raise KeyError('a')", INSIDE, 3),
        # a ValueError raised by code outside the package is not lstmkit's
        ("raise ValueError('x')", OUTSIDE, 3),
        # the user's files and their encoding, from wherever: data errors
        ("open('/no/such/folder/file.csv')", OUTSIDE, 1),
        ("b'\\xff'.decode('utf-8')", OUTSIDE, 1),
    ],
)
def test_exit_status_by_origin(source, filename, status):
    assert exit_status(error_from(source, filename)) == status


def test_lstmkit_error_classes_and_usage_errors():
    assert exit_status(SafetensorsError("m.safetensors: truncated")) == 1
    assert exit_status(UsageError("--epochs must be a positive integer; got 0")) == 2
    assert not raised_by_lstmkit(ValueError("never raised, no traceback"))


def test_a_data_error_is_one_line_with_exit_1(tmp_path, capsys):
    missing = tmp_path / "none.safetensors"
    assert main(["trace", "--model", str(missing)]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [f"lstmkit: error: no such model file: {missing}"]


@pytest.fixture
def trace_bug(monkeypatch):
    """Make `lstmkit trace` meet a bug: its cell tracer called with an argument it lacks."""
    real = lstmkit.cli.trace.trace_lstm_cell
    monkeypatch.setattr(lstmkit.cli.trace, "trace_lstm_cell", functools.partial(real, bogus=1))


def test_a_library_type_error_is_an_internal_error_with_exit_3(trace_bug, capsys):
    assert main(["trace"]) == 3
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    assert err[0].startswith("lstmkit: internal error: TypeError: ")
    assert "unexpected keyword argument 'bogus'" in err[0]
    assert err[0].endswith("(this is a bug; run again with --debug for the traceback)")


def test_a_library_key_error_is_an_internal_error_with_exit_3(monkeypatch, capsys):
    # records without the gates: print_records looks them up and fails inside lstmkit
    monkeypatch.setattr(lstmkit.cli.trace, "trace_lstm_cell", lambda x, params, **kw: [{}])
    assert main(["trace"]) == 3
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("lstmkit: internal error: KeyError: 'x'")


def test_a_numpy_value_error_is_an_internal_error(monkeypatch, capsys):
    monkeypatch.setattr(
        lstmkit.cli.trace, "trace_lstm_cell", lambda x, params, **kw: np.ones(2) + np.ones(3)
    )
    assert main(["trace"]) == 3
    assert "lstmkit: internal error: ValueError: operands could not be broadcast" in (
        capsys.readouterr().err
    )


def test_debug_prints_the_traceback_and_keeps_the_exit_status(trace_bug, capsys):
    assert main(["trace", "--debug"]) == 3
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):")
    assert str(Path("lstmkit", "cli", "trace.py")) in err  # the frame where the bug is
    last = err.strip().splitlines()[-1]
    assert last.startswith("lstmkit: internal error: TypeError: ")
    assert last.endswith("(this is a bug)")


def test_debug_on_a_data_error(tmp_path, capsys):
    assert main(["trace", "--model", str(tmp_path / "none.safetensors"), "--debug"]) == 1
    err = capsys.readouterr().err
    assert "Traceback (most recent call last):" in err and "FileNotFoundError" in err
    assert err.strip().splitlines()[-1].startswith("lstmkit: error: no such model file")


def test_ctrl_c_still_exits_130(monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(lstmkit.cli.trace, "trace_lstm_cell", interrupted)
    assert main(["trace"]) == 130
    assert capsys.readouterr().err.strip() == "lstmkit: interrupted"


def test_running_out_of_memory_names_the_size_option_given(capsys):
    # 4 * 10**6 x 10**6 float32 weights: NumPy refuses the allocation at once
    argv = ["forecast", "--hidden-size", "1000000", "--epochs", "1", "--ensemble", "1"]
    assert main(argv) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("lstmkit: error: out of memory (")
    assert "the sizes given (--hidden-size 1000000, --ensemble 1) need more memory" in err[0]


def test_running_out_of_memory_with_one_size_option(monkeypatch, capsys):
    def too_big(*args, **kwargs):
        raise MemoryError("Unable to allocate 14.6 TiB")

    monkeypatch.setattr(lstmkit.cli.trace, "trace_lstm_cell", too_big)
    assert main(["trace", "--hidden-size=300"]) == 2  # (the mock runs out of memory)
    assert capsys.readouterr().err.splitlines() == [
        "lstmkit: error: out of memory (Unable to allocate 14.6 TiB): --hidden-size 300 needs "
        "more memory than this machine has; give a smaller value"
    ]


def test_running_out_of_memory_without_a_size_option_is_a_data_error(monkeypatch, capsys):
    def too_big(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(lstmkit.cli.trace, "trace_lstm_cell", too_big)
    assert main(["trace", "--seed", "3"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "lstmkit: error: out of memory: the input is too large for this machine's memory"
    ]
