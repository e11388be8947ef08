"""`lstmkit.save` and `lstmkit.load`: any module or estimator as one safetensors file.

The file holds the weights under their `state_dict` names (so a recurrent layer's file loads
straight into the matching `torch.nn.LSTM` with `safetensors.torch.load_file`) and, in the
header's metadata under the key "lstmkit", JSON with the format name and version, the lstmkit
version, the class's registered name and the configuration that rebuilds it. Loading reads
JSON and raw arrays only: the class must already be defined in this process (see
`lstmkit.registry`), and a newer format version is refused rather than guessed at.

A file is untrusted input. Before anything is allocated, the tensors the configuration
declares (names, shapes, dtypes, learned with stand-ins that cost no memory, within a budget
of what the file holds; `Module.restore_state`) must be exactly the file's, and an estimator's
fitted state is checked against its declaration (`lstmkit.models.fitted_state`); any
difference is a ValueError naming the file.
"""

import json

import numpy as np

from lstmkit._version import __version__
from lstmkit.io.safetensors import SafetensorsError, read_safetensors, write_safetensors
from lstmkit.registry import class_key, lookup

MODEL_FORMAT = "lstmkit-model"
FORMAT_VERSION = 1


def save(obj, path) -> None:
    """Write `obj` (a Module or an estimator) to `path` atomically."""
    if not hasattr(obj, "export_state"):
        raise TypeError(f"save needs an lstmkit Module or estimator; got {type(obj).__name__}")
    arrays, config = obj.export_state()
    _check_weights_finite(obj, arrays)
    write_safetensors(path, arrays, {"lstmkit": header_json(MODEL_FORMAT, obj, config)})


def _check_weights_finite(obj, arrays: dict) -> None:
    """Refuse to write NaN or infinite weights: `load` refuses them, so such a file could never
    be read back (a diverged model must be retrained or restored, not saved)."""
    prefix = "network." if any(name.startswith("network.") for name in arrays) else ""
    bad = [
        name
        for name, value in arrays.items()
        if name.startswith(prefix) and value.dtype.kind in "fc" and not np.all(np.isfinite(value))
    ]
    if bad:
        raise ValueError(
            f"cannot save this {type(obj).__name__}: NaN or infinite values in {bad} (a "
            "diverged model; a file holding them could never be loaded)"
        )


def load(path):
    """Rebuild the object saved at `path`; a clear ValueError naming the file when the file is
    not usable (the class is looked up, never imported; see `lstmkit.registry`)."""
    arrays, info = read_lstmkit_file(path, MODEL_FORMAT)
    try:
        return lookup(info["class"]).restore_state(info["config"], arrays)
    except KeyError as error:  # a key the configuration lacks
        raise ValueError(f"{path}: cannot rebuild {info['class']}: no {error} given") from None
    except (TypeError, ValueError) as error:
        raise ValueError(f"{path}: cannot rebuild {info['class']}: {error}") from None
    except RecursionError:  # modules nested hundreds deep in the configuration
        raise ValueError(f"{path}: cannot rebuild {info['class']}: nested too deeply") from None


def header_json(file_format: str, obj, config: dict) -> str:
    return json.dumps(
        {
            "format": file_format,
            "format_version": FORMAT_VERSION,
            "lstmkit_version": __version__,
            "class": class_key(type(obj)),
            "config": config,
        }
    )


def read_lstmkit_file(path, file_format: str) -> tuple[dict, dict]:
    """(arrays, parsed "lstmkit" metadata) of a file of `file_format`, checked."""
    arrays, metadata = read_safetensors(path)
    if "lstmkit" not in metadata:
        raise SafetensorsError(f"{path}: a safetensors file, but not one written by lstmkit")
    try:
        info = json.loads(metadata["lstmkit"])
    except json.JSONDecodeError as error:
        raise SafetensorsError(f"{path}: lstmkit metadata is not valid JSON ({error})") from None
    except RecursionError:  # hostile nesting: refused, never a traceback
        raise SafetensorsError(f"{path}: lstmkit metadata nests JSON too deeply") from None
    if not isinstance(info, dict) or info.get("format") != file_format:
        found = info.get("format") if isinstance(info, dict) else None
        raise SafetensorsError(f"{path}: expected an {file_format} file; this is {found!r}")
    version = info.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise SafetensorsError(
            f"{path}: format_version must be a positive integer; got {version!r}"
        )
    if version > FORMAT_VERSION:
        raise SafetensorsError(
            f"{path}: format version {version!r} is newer than this lstmkit reads "
            f"({FORMAT_VERSION}); upgrade lstmkit (file written by lstmkit "
            f"{info.get('lstmkit_version')})"
        )
    for key, kind in (("class", str), ("config", dict)):
        if not isinstance(info.get(key), kind):
            raise SafetensorsError(
                f"{path}: lstmkit metadata must give {key!r} as a JSON "
                f"{'string' if kind is str else 'object'}; got {info.get(key)!r:.60}"
            )
    return arrays, info
